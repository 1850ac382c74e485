#include "redis/shard_channels.hpp"

#include <poll.h>

#include <map>

#include "core/log.hpp"
#include "core/metrics.hpp"

namespace sb {

namespace {

/// How often the slot map is read again without a reason: a slot can move
/// without a `sunsubscribe` reaching us (the connection was away then).
constexpr std::chrono::seconds map_period{2};
/// The least time between two reads of the map for a reason (a lost or
/// refused connection), so a dead master is not asked about in a loop.
constexpr std::chrono::milliseconds refresh_gap{250};

} // namespace

shard_channels::shard_channels(std::vector<redis_endpoint> seeds, redis_timeouts timeouts,
                               std::string name, handlers h)
  : router_(std::move(seeds), timeouts, name + "-map"),
    timeouts_(timeouts),
    name_(std::move(name)),
    on_(std::move(h)) {
  router_.refresh();
  last_map_ = std::chrono::steady_clock::now();
}

shard_channels::~shard_channels() {
  for (size_t i = 0; i < links_.size(); ++i)
    metrics::global().cluster_links(router_.node(i).describe(), -1);
}

shard_channels::link& shard_channels::link_at(size_t i) {
  while (links_.size() <= i) {
    auto n = links_.size();
    links_.push_back(link{std::make_unique<redis_client>(router_.connection(n).endpoint(),
                                                         timeouts_, name_),
                          {}});
    metrics::global().cluster_links(router_.node(n).describe(), 1);
  }
  return links_[i];
}

bool shard_channels::add(const std::string& channel) {
  auto [it, added] = channels_.try_emplace(channel);
  if (!added)
    return true;
  assign(channel, it->second);
  if (it->second.link >= 0)
    return true;
  channels_.erase(it);
  return false;
}

void shard_channels::remove(const std::string& channel) {
  auto i = channels_.find(channel);
  if (i == channels_.end())
    return;
  unassign(channel, i->second);
  relapsed_.erase(channel);
  channels_.erase(i);
}

bool shard_channels::confirmed(const std::string& channel) const {
  auto i = channels_.find(channel);
  return i != channels_.end() && i->second.confirmed;
}

bool shard_channels::live() const {
  if (!relapsed_.empty())
    return false;
  for (auto& l : links_)
    if (!l.channels.empty() && !l.client->connected())
      return false;
  return true;
}

void shard_channels::assign(const std::string& channel, channel_state& st) {
  auto to = router_.master_of(channel);
  if (to == st.link)
    return;
  unassign(channel, st);
  if (to < 0)
    return; // no master known: the next remap() tries again
  st.link = to;
  auto& l = link_at(static_cast<size_t>(to));
  l.channels.insert(channel);
  if (l.client->connected())
    l.client->append({"SSUBSCRIBE", channel}) && l.client->flush();
}

void shard_channels::unassign(const std::string& channel, channel_state& st) {
  if (st.link < 0)
    return;
  auto& l = links_[static_cast<size_t>(st.link)];
  l.channels.erase(channel);
  // Its old master may still hold the subscription (a slot moved by hand);
  // the `sunsubscribe` that answers this names a channel no longer there.
  if (l.client->connected())
    l.client->append({"SUNSUBSCRIBE", channel}) && l.client->flush();
  st.link = -1;
  if (st.confirmed && st.ever)
    relapsed_.insert(channel);
  st.confirmed = false;
}

void shard_channels::reassign_all() {
  for (auto& [channel, st] : channels_)
    assign(channel, st);
}

void shard_channels::remap(bool now) {
  auto t = std::chrono::steady_clock::now();
  if (!now && t - last_map_ < refresh_gap)
    return;
  last_map_ = t;
  if (router_.refresh())
    reassign_all();
}

void shard_channels::subscribe_all(size_t i) {
  // One SSUBSCRIBE per slot: its channels must share one (CROSSSLOT
  // otherwise); all of them go out in one write.
  std::map<uint16_t, std::vector<std::string>> by_slot;
  for (auto& channel : links_[i].channels) {
    auto& argv = by_slot[key_slot(channel)];
    if (argv.empty())
      argv.push_back("SSUBSCRIBE");
    argv.push_back(channel);
  }
  auto& c = *links_[i].client;
  for (auto& [slot, argv] : by_slot)
    c.append(argv);
  c.flush();
}

void shard_channels::lost(size_t i) {
  std::vector<std::string> dropped;
  for (auto& channel : links_[i].channels) {
    auto& st = channels_[channel];
    if (st.confirmed || st.ever)
      relapsed_.insert(channel);
    else
      dropped.push_back(channel);
    st.confirmed = false;
  }
  for (auto& channel : dropped) {
    links_[i].channels.erase(channel);
    channels_.erase(channel);
    on_.failed(channel);
  }
  remap(); // a master lost may be failing over
}

void shard_channels::dispatch(size_t i, const redisReply* r) {
  if (reply::is_error(r)) {
    if (router_.follow(r, router_.node(i))) // a MOVED: the map is new
      return reassign_all();
    links_[i].client->refused("SSUBSCRIBE refused: " + reply::str(r));
    return lost(i);
  }
  auto kind = reply::str(reply::at(r, 0));
  auto channel = reply::str(reply::at(r, 1));
  auto it = channels_.find(channel);
  if (it == channels_.end() || it->second.link != static_cast<int>(i))
    return; // an answer to an SUNSUBSCRIBE, or a message from before a move
  auto& st = it->second;
  if (kind == "smessage") {
    on_.message(channel, reply::str(reply::at(r, 2)));
  } else if (kind == "ssubscribe") {
    st.confirmed = st.ever = true;
    relapsed_.erase(channel);
    links_[i].client->accepted();
    on_.confirmed(channel);
  } else if (kind == "sunsubscribe") {
    // Redis dropped it: its slot moved to another master.
    log::info("redis", name_, ": ", channel, " moved away from ", router_.node(i).describe());
    links_[i].channels.erase(channel);
    st.link = -1;
    if (st.ever)
      relapsed_.insert(channel);
    st.confirmed = false;
    remap(true);
    assign(channel, st); // in case the map did not change yet: asks again
  }
}

void shard_channels::read(size_t i) {
  auto& c = *links_[i].client;
  bool readable = false;
  if (!c.wait_readable(std::chrono::milliseconds{0}, readable))
    return lost(i);
  bool failed = false;
  while (auto r = c.next_reply(failed))
    dispatch(i, r.get());
  if (failed)
    lost(i);
}

bool shard_channels::step(std::chrono::milliseconds timeout) {
  auto now = std::chrono::steady_clock::now();
  if (router_.stale() || now - last_map_ >= map_period)
    remap(true);
  for (size_t i = 0; i < links_.size(); ++i) {
    auto& l = links_[i];
    if (l.channels.empty() || l.client->connected())
      continue;
    if (l.client->ensure_connected())
      subscribe_all(i);
    else
      remap(); // down: perhaps failed over, its slots elsewhere now
  }
  std::vector<pollfd> fds;
  std::vector<size_t> which;
  for (size_t i = 0; i < links_.size(); ++i)
    if (auto fd = links_[i].client->fd(); fd >= 0) {
      fds.push_back(pollfd{fd, POLLIN, 0});
      which.push_back(i);
    }
  if (fds.empty())
    return false;
  if (::poll(fds.data(), fds.size(), static_cast<int>(timeout.count())) <= 0)
    return true;
  for (size_t k = 0; k < fds.size(); ++k)
    if (fds[k].revents != 0)
      read(which[k]);
  return true;
}

} // namespace sb
