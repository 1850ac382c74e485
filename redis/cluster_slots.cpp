#include "redis/cluster_slots.hpp"

#include <hiredis/hiredis.h>

#include "core/host_port.hpp"
#include "redis/redis_client.hpp"

namespace sb {

namespace {

constexpr std::array<uint16_t, 256> crc16_table() {
  std::array<uint16_t, 256> table{};
  for (unsigned i = 0; i < 256; ++i) {
    unsigned crc = i << 8;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
    table[i] = static_cast<uint16_t>(crc);
  }
  return table;
}

constexpr auto crc16_lookup = crc16_table();

/// A node of a CLUSTER SLOTS entry: [host, port, id, ...].
std::optional<cluster_node> slot_node(const redisReply* r, const cluster_node& asked) {
  if (!reply::is_array(r) || reply::size(r) < 2)
    return std::nullopt;
  auto* host = reply::at(r, 0);
  auto* port = reply::at(r, 1);
  if (port->type != REDIS_REPLY_INTEGER || port->integer <= 0 || port->integer > 65535)
    return std::nullopt;
  cluster_node node;
  node.port = static_cast<uint16_t>(port->integer);
  if (reply::is_nil(host))
    node.host = asked.host;
  else if (host->type == REDIS_REPLY_STRING)
    node.host = host->len == 0 ? asked.host : reply::str(host);
  else
    return std::nullopt;
  return node;
}

bool slot_number(const redisReply* r, long long& out) {
  if (r->type != REDIS_REPLY_INTEGER || r->integer < 0 || r->integer >= cluster_slots)
    return false;
  out = r->integer;
  return true;
}

} // namespace

uint16_t crc16(std::string_view data) {
  uint16_t crc = 0;
  for (unsigned char c : data)
    crc = static_cast<uint16_t>((crc << 8) ^ crc16_lookup[((crc >> 8) ^ c) & 0xff]);
  return crc;
}

std::string_view hash_tag(std::string_view key) {
  auto open = key.find('{');
  if (open == std::string_view::npos)
    return key;
  auto close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1)
    return key;
  return key.substr(open + 1, close - open - 1);
}

uint16_t key_slot(std::string_view key) {
  return crc16(hash_tag(key)) & (cluster_slots - 1);
}

std::string cluster_node::describe() const {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<cluster_redirect> parse_redirect(std::string_view error,
                                               const cluster_node& asked) {
  cluster_redirect r;
  if (error.substr(0, 6) == "MOVED ")
    r.what = cluster_redirect::kind::moved;
  else if (error.substr(0, 4) == "ASK ")
    r.what = cluster_redirect::kind::ask;
  else
    return std::nullopt;
  auto rest = error.substr(error.find(' ') + 1);
  auto space = rest.find(' ');
  if (space == 0 || space == std::string_view::npos || space > 5)
    return std::nullopt;
  unsigned slot = 0;
  for (char c : rest.substr(0, space)) {
    if (c < '0' || c > '9')
      return std::nullopt;
    slot = slot * 10 + unsigned(c - '0');
  }
  if (slot >= cluster_slots)
    return std::nullopt;
  r.slot = static_cast<uint16_t>(slot);
  // Redis 7 leaves the host out (":6380") when the node does not know its
  // own address: it is then the host we asked.
  auto address = rest.substr(space + 1);
  bool same_host = !address.empty() && address.front() == ':';
  auto text = same_host ? "?" + std::string{address} : std::string{address};
  if (!split_host_port(text, r.to.host, r.to.port))
    return std::nullopt;
  if (same_host)
    r.to.host = asked.host;
  return r;
}

bool slot_map::load(const redisReply* r, const cluster_node& asked) {
  if (!reply::is_array(r))
    return false;
  slot_map next;
  for (size_t i = 0; i < reply::size(r); ++i) {
    auto* range = reply::at(r, i);
    long long first = 0, last = 0;
    if (!reply::is_array(range) || reply::size(range) < 3
        || !slot_number(reply::at(range, 0), first) || !slot_number(reply::at(range, 1), last)
        || first > last)
      return false;
    auto master = slot_node(reply::at(range, 2), asked);
    if (!master)
      return false;
    if (master->host == "?") // its address is unknown: no one to ask yet
      continue;
    auto index = next.index_of(*master);
    if (index == none)
      return false;
    for (auto slot = first; slot <= last; ++slot)
      next.owner_[static_cast<size_t>(slot)] = index;
  }
  if (next.owner_ != owner_ || next.masters_ != masters_) {
    next.version_ = version_ + 1;
    *this = std::move(next);
  }
  return true;
}

void slot_map::moved(uint16_t slot, const cluster_node& to) {
  if (slot >= cluster_slots)
    return;
  auto index = index_of(to);
  if (index == none || owner_[slot] == index)
    return;
  owner_[slot] = index;
  ++version_;
}

const cluster_node* slot_map::owner(uint16_t slot) const {
  if (slot >= cluster_slots || owner_[slot] == none)
    return nullptr;
  return &masters_[static_cast<size_t>(owner_[slot])];
}

size_t slot_map::uncovered() const {
  size_t n = 0;
  for (auto index : owner_)
    n += index == none;
  return n;
}

int16_t slot_map::index_of(const cluster_node& node) {
  for (size_t i = 0; i < masters_.size(); ++i)
    if (masters_[i] == node)
      return static_cast<int16_t>(i);
  if (masters_.size() >= cluster_slots) // more masters than slots: not a cluster
    return none;
  masters_.push_back(node);
  return static_cast<int16_t>(masters_.size() - 1);
}

} // namespace sb
