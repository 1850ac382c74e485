#include "bench/fleet.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include <cstring>

#include "bench/clock.hpp"

namespace bench {

namespace {

constexpr size_t scratch_bytes = 4 << 20;
constexpr uint64_t expiry_period = 100 * ms_ns;
constexpr uint64_t close_timeout = 3 * s_ns;

} // namespace

fleet::fleet(const options& opts, fleet_handler& handler, stats& st)
  : opts_(opts), handler_(handler), stats_(st), scratch_(scratch_bytes) {
  dst_.sin_family = AF_INET;
  dst_.sin_addr.s_addr = opts.addr;
  dst_.sin_port = htons(opts.port);
}

fleet::~fleet() = default;

uint32_t fleet::add(std::string target) {
  auto slot = uint32_t(clients_.size());
  clients_.push_back(std::make_unique<ws_client>(poller_, *this, slot));
  targets_.push_back(std::move(target));
  queue_.push_back(slot);
  return slot;
}

void fleet::reconnect(uint32_t slot, std::string target) {
  if (!target.empty())
    targets_[slot] = std::move(target);
  queue_.push_back(slot);
}

void fleet::send_text(uint32_t slot, const char* data, size_t size) {
  clients_[slot]->send_text(data, size);
}

void fleet::close(uint32_t slot, uint64_t now) {
  clients_[slot]->close(1000, now + close_timeout);
}

// The upgrade request, with a fresh Sec-WebSocket-Key: base64 of 16 random
// bytes (RFC 6455 §4.1). The server's Sec-WebSocket-Accept is not checked.
std::string fleet::request_for(const std::string& target) {
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char key[25];
  for (int i = 0; i < 21; ++i) { // 21 x 6 bits + 2 bits = 128 bits
    key_seed_ ^= key_seed_ << 13, key_seed_ ^= key_seed_ >> 7, key_seed_ ^= key_seed_ << 17;
    key[i] = b64[key_seed_ & 63];
  }
  key[21] = b64[(key_seed_ >> 8) & 48];
  key[22] = '=', key[23] = '=', key[24] = '\0';
  return "GET " + target + " HTTP/1.1\r\nHost: " + opts_.host + ":" + std::to_string(opts_.port)
         + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
         + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// --- the loop ------------------------------------------------------------------------

void fleet::start_queued(uint64_t now) {
  while (!queue_.empty() && connecting_ < opts_.connect_concurrency) {
    uint32_t slot = queue_.front();
    queue_.pop_front();
    in_addr_t src = 0;
    if (opts_.spread_sources)
      src = htonl((127u << 24) | (1 + next_source_++ % 254));
    auto& c = *clients_[slot];
    c.started_ns = now;
    uint64_t deadline = now + uint64_t(opts_.connect_timeout_s * 1e9);
    if (!c.connect(dst_, src, request_for(targets_[slot]), deadline)) {
      stats_.failures[size_t(failure::connect)]++;
      handler_.on_closed(slot, close_info{1006, false, false, failure::connect, 0}, now);
      continue;
    }
    ++open_;
    ++connecting_;
  }
}

void fleet::run_for(uint64_t ns) {
  uint64_t now = now_ns();
  uint64_t end = now + ns;
  while (now < end)
    now = turn(std::min<uint64_t>(end - now, 100 * ms_ns));
}

void fleet::run_until(const std::function<bool()>& done, uint64_t timeout_ns,
                      const std::function<void()>& each_second) {
  uint64_t now = now_ns();
  uint64_t deadline = now + timeout_ns;
  uint64_t next_report = now + s_ns;
  while (!done() && now < deadline) {
    now = turn(50 * ms_ns);
    if (now >= next_report) {
      each_second();
      next_report = now + s_ns;
    }
  }
}

uint64_t fleet::turn(uint64_t wait_ns) {
  uint64_t now = now_ns();
  handler_.tick(now);
  start_queued(now);
  int n = poller_.wait(wait_ns);
  now = now_ns();
  if (n > 0)
    handler_.tick(now);
  for (int i = 0; i < n; ++i) {
    if (i > 0 && i % 64 == 0) {
      now = now_ns();
      handler_.tick(now);
    }
    auto& ev = poller_.event(i);
    auto slot = uint32_t(ev.data.u64);
    auto& c = *clients_[slot];
    if (c.token() != ev.data.u64 || c.state() == ws_state::idle)
      continue; // a socket that ended earlier in this batch
    c.on_poll(ev.events, scratch_.data(), scratch_.size(), now);
  }
  now = now_ns();
  if (now >= next_expiry_) {
    expire(now);
    next_expiry_ = now + expiry_period;
  }
  return now;
}

// Deadlines: connect + welcome, and the closing handshake. O(sockets) every
// 100 ms, i.e. well under 1% of a core for 20,000 sockets.
void fleet::expire(uint64_t now) {
  for (auto& c : clients_)
    if (c->state() != ws_state::idle && (c->state() == ws_state::closing || !c->welcomed)
        && now > c->deadline())
      c->expire(now);
}

void fleet::close_all(uint64_t timeout_ns) {
  uint64_t now = now_ns();
  queue_.clear();
  for (auto& c : clients_) {
    if (c->state() == ws_state::connecting || c->state() == ws_state::handshaking) {
      c->abandon(); // not in yet: nothing to hand shake
      --open_;
      --connecting_;
    } else {
      c->close(1000, now + timeout_ns);
    }
  }
  uint64_t end = now + timeout_ns;
  while (open_ > 0 && now < end)
    now = turn(10 * ms_ns);
  for (auto& c : clients_)
    c->abandon();
  open_ = 0;
  connecting_ = 0;
}

// --- from the clients ----------------------------------------------------------------

void fleet::on_text(ws_client& c, std::string_view payload, uint64_t now) {
  auto f = scan_frame(payload);
  if (!c.welcomed && (f.kind == frame_kind::welcome)) {
    c.welcomed = true;
    c.set_deadline(UINT64_MAX);
    --connecting_;
    ++stats_.welcomed;
  }
  if (f.kind == frame_kind::error)
    stats_.count_error(f.code);
  handler_.on_frame(c.slot(), f, now);
}

void fleet::on_closed(ws_client& c, const close_info& info, uint64_t now) {
  --open_;
  if (!c.welcomed)
    --connecting_;
  stats_.count_close(info);
  handler_.on_closed(c.slot(), info, now);
}

} // namespace bench
