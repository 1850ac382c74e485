#include "redis/sentinel_watcher.hpp"

#include <caf/all.hpp>
#include <optional>

#include "core/log.hpp"
#include "redis/sentinel_resolver.hpp"

namespace sb {

namespace {

/// How long the loop waits on the socket before it looks at the mailbox.
constexpr std::chrono::milliseconds watcher_poll_interval{50};
/// The pause before the next sentinel when one cannot be reached.
constexpr std::chrono::milliseconds watcher_retry_interval{200};
constexpr const char* switch_master_channel = "+switch-master";

class watcher {
public:
  watcher(caf::blocking_actor* self, redis_endpoint ep, redis_timeouts t)
    : self_(self), endpoint_(std::move(ep)), timeouts_(t),
      resolver_(sentinel_resolver::of(endpoint_)) {
  }

  void step() {
    if ((!client_ || !client_->connected()) && !subscribe()) {
      self_->await_data(caf::make_timestamp() + watcher_retry_interval);
      return;
    }
    if (!client_->read_replies(watcher_poll_interval,
                               [this](const redisReply* r) { on_reply(r); }))
      log::warning("redis", "sentinel watcher lost ", client_->endpoint().describe());
  }

private:
  /// Subscribes on the next sentinel in turn, then asks the sentinels once.
  bool subscribe() {
    auto& s = endpoint_.sentinels[next_++ % endpoint_.sentinels.size()];
    redis_endpoint ep;
    ep.host = s.host;
    ep.port = s.port;
    ep.password = endpoint_.sentinel_password;
    client_.emplace(ep, timeouts_, "sentinel-watcher");
    if (!client_->ensure_connected())
      return false;
    if (!(client_->append({"SUBSCRIBE", switch_master_channel}) && client_->flush()))
      return false;
    log::info("redis", "watching failovers of ", endpoint_.master_name, " on ", ep.describe());
    resolver_.refresh(timeouts_);
    return true;
  }

  void on_reply(const redisReply* r) {
    if (reply::is_error(r)) {
      client_->refused(reply::str(r)); // AUTH needed, say: try the next sentinel
      return;
    }
    if (reply::str(reply::at(r, 0)) != "message")
      return;
    auto payload = reply::str(reply::at(r, 2));
    if (auto to = sentinel_reply::switch_master(payload, endpoint_.master_name))
      resolver_.moved(to->first, to->second);
  }

  caf::blocking_actor* self_;
  redis_endpoint endpoint_;
  redis_timeouts timeouts_;
  sentinel_resolver& resolver_;
  std::optional<redis_client> client_;
  size_t next_ = 0;
};

} // namespace

void sentinel_watcher(caf::blocking_actor* self, redis_endpoint endpoint,
                      redis_timeouts timeouts) {
  watcher w{self, std::move(endpoint), timeouts};
  bool running = true;
  while (running) {
    while (running && self->has_next_message())
      self->receive([&](caf::exit_msg&) { running = false; });
    if (running)
      w.step();
  }
}

std::vector<caf::actor> spawn_sentinel_watchers(caf::actor_system& sys,
                                                const std::vector<redis_endpoint>& endpoints,
                                                const redis_timeouts& timeouts) {
  std::vector<caf::actor> out;
  for (auto& ep : endpoints)
    if (ep.via_sentinel())
      out.push_back(sys.spawn(sentinel_watcher, ep, timeouts));
  return out;
}

} // namespace sb
