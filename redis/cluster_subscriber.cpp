#include "redis/cluster_subscriber.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <unordered_map>

#include "core/actors.hpp"
#include "core/metrics.hpp"
#include "redis/cluster_keys.hpp"
#include "redis/key_role_loop.hpp"
#include "redis/shard_channels.hpp"

namespace sb {

namespace {

class cluster_subscriber {
public:
  cluster_subscriber(caf::blocking_actor* self, std::vector<redis_endpoint> seeds,
                     redis_timeouts t, std::shared_ptr<broker_status> status,
                     std::shared_ptr<subscriber_liveness> liveness)
    : self_(self),
      health_(std::move(status)),
      liveness_(std::move(liveness)),
      channels_(std::move(seeds), t, "subscriber",
                {[this](const std::string& c, std::string p) { message(c, std::move(p)); },
                 [this](const std::string& c) { answer(c, true); },
                 [this](const std::string& c) { answer(c, false); }}) {
  }

  /// A topic subscribes (subscribe_atom, through key_role_loop).
  caf::result<ok_atom> add(const std::string& key, channel_actor topic) {
    auto channel = cluster_key(key);
    auto [it, added] = topics_.try_emplace(channel);
    auto& entry = it->second;
    if (added) {
      entry.key = key;
      count(metrics::global().channels, 1);
      if (!channels_.add(channel)) {
        drop(it);
        return make_error(ec::unavailable);
      }
    }
    if (std::find(entry.topics.begin(), entry.topics.end(), topic) == entry.topics.end())
      entry.topics.push_back(std::move(topic));
    if (channels_.confirmed(channel))
      return ok_atom::value;
    auto rp = self_->make_response_promise();
    pending_[channel].push_back(rp);
    return rp;
  }

  void remove(const std::string& key, const channel_actor& topic) {
    auto it = topics_.find(cluster_key(key));
    if (it == topics_.end())
      return;
    auto& topics = it->second.topics;
    topics.erase(std::remove(topics.begin(), topics.end(), topic), topics.end());
    if (!topics.empty())
      return;
    channels_.remove(it->first);
    drop(it);
  }

  /// One round: the connections' data, then readiness.
  void step() {
    if (!channels_.step(mailbox_poll_interval))
      self_->await_data(caf::make_timestamp() + mailbox_poll_interval);
    auto live = channels_.live();
    health_.set(live);
    liveness_->set(0, live);
  }

private:
  struct entry {
    std::string key; ///< as topics name it
    std::vector<channel_actor> topics;
  };
  using entries = std::unordered_map<std::string, entry>;

  void drop(entries::iterator it) {
    count(metrics::global().channels, -1);
    topics_.erase(it);
  }

  void message(const std::string& channel, std::string payload) {
    auto it = topics_.find(channel);
    if (it == topics_.end())
      return;
    auto& e = it->second;
    for (size_t t = 0; t + 1 < e.topics.size(); ++t)
      self_->send(e.topics[t], message_atom::value, e.key, payload);
    if (!e.topics.empty()) // usually the only one: no copy
      self_->send(e.topics.back(), message_atom::value, e.key, std::move(payload));
  }

  /// Confirmed: the topics waiting are answered; failed (never confirmed,
  /// its master lost): they get `unavailable` and the channel is forgotten.
  void answer(const std::string& channel, bool ok) {
    if (auto i = pending_.find(channel); i != pending_.end()) {
      for (auto& rp : i->second)
        ok ? rp.deliver(ok_atom::value) : rp.deliver(make_error(ec::unavailable));
      pending_.erase(i);
    }
    if (auto it = topics_.find(channel); !ok && it != topics_.end())
      drop(it);
  }

  caf::blocking_actor* self_;
  broker_status::flag health_;
  std::shared_ptr<subscriber_liveness> liveness_;
  shard_channels channels_;
  entries topics_; ///< by Redis channel
  std::unordered_map<std::string, std::vector<caf::response_promise>> pending_;
};

} // namespace

void redis_cluster_subscriber(caf::blocking_actor* self, std::vector<redis_endpoint> seeds,
                              redis_timeouts timeouts, std::shared_ptr<broker_status> status,
                              std::shared_ptr<subscriber_liveness> liveness) {
  cluster_subscriber sub{self, std::move(seeds), timeouts, std::move(status),
                         std::move(liveness)};
  key_role_loop<subscribe_atom, unsubscribe_atom, channel_actor>(self, sub);
}

} // namespace sb
