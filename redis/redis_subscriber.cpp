#include "redis/redis_subscriber.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <unordered_map>
#include <unordered_set>

#include "core/actors.hpp"
#include "core/metrics.hpp"
#include "redis/key_role_loop.hpp"

namespace sb {

namespace {

class subscriber {
public:
  subscriber(caf::blocking_actor* self, const redis_endpoint& ep, redis_timeouts t,
             std::shared_ptr<broker_status> status, subscriber_shard shard)
    : self_(self),
      client_(ep, t, "subscriber"),
      health_(std::move(status)),
      shard_(std::move(shard)) {
  }

  /// A topic subscribes (subscribe_atom, through key_role_loop).
  caf::result<ok_atom> add(const std::string& channel, channel_actor topic) {
    auto [it, added] = channels_.try_emplace(channel);
    if (added)
      count(metrics::global().channels, 1);
    auto& topics = it->second;
    if (std::find(topics.begin(), topics.end(), topic) == topics.end())
      topics.push_back(std::move(topic));
    if (confirmed_.count(channel))
      return ok_atom::value;
    if (!client_.connected() && !reconnect()) {
      auto t = topics.back(); // forget() may erase the list
      forget(channel, t);
      return make_error(ec::unavailable);
    }
    auto& waiting = pending_[channel];
    if (waiting.empty() && !(client_.append({"SUBSCRIBE", channel}) && client_.flush())) {
      pending_.erase(channel);
      return make_error(ec::unavailable);
    }
    auto rp = self_->make_response_promise();
    pending_[channel].push_back(rp);
    return rp;
  }

  void remove(const std::string& channel, const channel_actor& topic) {
    forget(channel, topic);
  }

  /// One round: (re)connect if needed, then wait briefly for Redis data.
  void step() {
    if (!client_.connected()) {
      lost(); // a command broke the connection: nothing is heard until resubscribed
      if (!reconnect()) {
        self_->await_data(caf::make_timestamp() + mailbox_poll_interval);
        return;
      }
    }
    bool readable = false;
    if (!client_.wait_readable(mailbox_poll_interval, readable))
      return lost();
    bool failed = false;
    while (auto r = client_.next_reply(failed)) {
      if (reply::is_error(r.get())) {
        // A SUBSCRIBE refused (an ACL, say) would leave its channel deaf
        // for good: start over, backing off, until Redis accepts it.
        client_.refused("SUBSCRIBE refused: " + reply::str(r.get()));
        return lost();
      }
      on_reply(r.get());
    }
    if (failed)
      lost();
  }

private:
  void forget(const std::string& channel, const channel_actor& topic) {
    auto i = channels_.find(channel);
    if (i == channels_.end())
      return;
    auto& topics = i->second;
    topics.erase(std::remove(topics.begin(), topics.end(), topic), topics.end());
    if (!topics.empty())
      return;
    channels_.erase(i);
    count(metrics::global().channels, -1);
    confirmed_.erase(channel);
    if (resubscribing_.erase(channel))
      live_if_resubscribed();
    if (client_.connected())
      client_.append({"UNSUBSCRIBE", channel}) && client_.flush();
  }

  /// Up (for /readyz and pub-sub sends) once every channel this node had
  /// when the connection came back is subscribed again.
  void live_if_resubscribed() {
    if (!resubscribing_.empty() || !client_.connected())
      return;
    health_.set(true);
    shard_.liveness->set(shard_.index, true);
    client_.accepted();
  }

  bool reconnect() {
    if (!client_.ensure_connected())
      return false;
    confirmed_.clear();
    resubscribing_.clear();
    // Resubscribe in batches; confirmations arrive as replies.
    std::vector<std::string> argv{"SUBSCRIBE"};
    for (auto& [channel, topics] : channels_) {
      argv.push_back(channel);
      resubscribing_.insert(channel);
      if (argv.size() == 512) {
        client_.append(argv);
        argv.resize(1);
      }
    }
    if (argv.size() > 1)
      client_.append(argv);
    if (!client_.flush())
      return false;
    live_if_resubscribed();
    return true;
  }

  void lost() {
    health_.set(false);
    shard_.liveness->set(shard_.index, false);
    confirmed_.clear();
    resubscribing_.clear();
    for (auto& [channel, waiting] : pending_) {
      for (auto& rp : waiting)
        rp.deliver(make_error(ec::unavailable));
      if (channels_.erase(channel))
        count(metrics::global().channels, -1);
    }
    pending_.clear();
  }

  void on_reply(const redisReply* r) {
    auto kind = reply::str(reply::at(r, 0));
    auto channel = reply::str(reply::at(r, 1));
    if (kind == "message") {
      auto i = channels_.find(channel);
      if (i == channels_.end())
        return;
      auto payload = reply::str(reply::at(r, 2));
      auto& topics = i->second;
      for (size_t t = 0; t + 1 < topics.size(); ++t)
        self_->send(topics[t], message_atom::value, channel, payload);
      if (!topics.empty()) // usually the only one: no copy
        self_->send(topics.back(), message_atom::value, std::move(channel), std::move(payload));
    } else if (kind == "subscribe") {
      if (!channels_.count(channel))
        return;
      confirmed_.insert({channel, true});
      if (resubscribing_.erase(channel))
        live_if_resubscribed();
      if (auto i = pending_.find(channel); i != pending_.end()) {
        for (auto& rp : i->second)
          rp.deliver(ok_atom::value);
        pending_.erase(i);
      }
    }
  }

  caf::blocking_actor* self_;
  redis_client client_;
  broker_status::flag health_;
  subscriber_shard shard_;
  std::unordered_map<std::string, std::vector<channel_actor>> channels_;
  std::unordered_map<std::string, bool> confirmed_;
  /// Channels sent again after a reconnect and not yet confirmed.
  std::unordered_set<std::string> resubscribing_;
  std::unordered_map<std::string, std::vector<caf::response_promise>> pending_;
};

} // namespace

void redis_subscriber(caf::blocking_actor* self, redis_endpoint endpoint,
                      redis_timeouts timeouts, std::shared_ptr<broker_status> status,
                      subscriber_shard shard) {
  subscriber sub{self, endpoint, timeouts, std::move(status), std::move(shard)};
  key_role_loop<subscribe_atom, unsubscribe_atom, channel_actor>(self, sub);
}

} // namespace sb
