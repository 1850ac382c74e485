#include "redis/redis_listener.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <map>

#include "core/actors.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "redis/key_role_loop.hpp"
#include "redis/redis_entries.hpp"
#include "redis/stream_loss.hpp"

namespace sb {

namespace {

constexpr const char* block_ms = "2000";
constexpr const char* batch = "512";

class listener {
public:
  listener(caf::blocking_actor* self, const redis_endpoint& ep, redis_timeouts t,
           std::shared_ptr<broker_status> status)
    : self_(self),
      main_(ep, t, "listener"),
      control_(ep, t, "listener-control"),
      health_(std::move(status)) {
  }

  /// A topic listens to `key` (listen_atom, through key_role_loop): the id
  /// it delivers from.
  caf::result<std::string> add(const std::string& key, stream_actor topic) {
    auto i = keys_.find(key);
    if (i == keys_.end()) {
      auto start = start_id(key);
      if (!start)
        return make_error(ec::unavailable);
      i = keys_.emplace(key, key_state{*start, {}}).first;
      count(metrics::global().stream_keys, 1);
      dirty_ = true;
    }
    auto& topics = i->second.topics;
    if (std::find(topics.begin(), topics.end(), topic) == topics.end())
      topics.push_back(std::move(topic));
    return i->second.last.str();
  }

  void remove(const std::string& key, const stream_actor& topic) {
    auto i = keys_.find(key);
    if (i == keys_.end())
      return;
    auto& topics = i->second.topics;
    topics.erase(std::remove(topics.begin(), topics.end(), topic), topics.end());
    if (topics.empty()) {
      keys_.erase(i);
      count(metrics::global().stream_keys, -1);
      dirty_ = true;
    }
  }

  void step() {
    if (!main_.connected() && !reconnect()) {
      self_->await_data(caf::make_timestamp() + mailbox_poll_interval);
      return;
    }
    if (dirty_ && reading_)
      unblock();
    if (!reading_ && !keys_.empty())
      issue_read();
    if (!reading_) {
      self_->await_data(caf::make_timestamp() + mailbox_poll_interval);
      return;
    }
    if (!main_.read_replies(mailbox_poll_interval, [this](const redisReply* r) { on_read(r); }))
      lost();
  }

private:
  struct key_state {
    stream_id last;
    std::vector<stream_actor> topics;
  };

  /// Where live delivery of a new key starts: its last generated id.
  std::optional<stream_id> start_id(const std::string& key) {
    if (!control_.ensure_connected())
      return std::nullopt;
    auto info = control_.command({"XINFO", "STREAM", key});
    if (!info)
      return std::nullopt;
    if (reply::is_error(info.get()))
      return stream_id{}; // no such key yet: everything will be new
    return last_generated_id(info.get());
  }

  bool reconnect() {
    if (!main_.ensure_connected())
      return false;
    auto id = main_.command({"CLIENT", "ID"});
    if (!id)
      return false;
    client_id_ = std::to_string(reply::integer(id.get()));
    if (!mark_losses())
      return false;
    health_.set(true);
    reading_ = false;
    return true;
  }

  /// After a reconnect: a stream that no longer reaches the last id
  /// delivered from it lost entries (see mark_lost_lua). Resuming after that
  /// id then needs nothing else: new entries come above it.
  bool mark_losses() {
    for (auto& [key, st] : keys_) {
      if (st.last.zero())
        continue;
      auto info = main_.command({"XINFO", "STREAM", key});
      if (!info)
        return false;
      if (!reply::is_error(info.get()) && last_generated_id(info.get()) >= st.last)
        continue;
      log::warning("redis", "stream ", key, " lost entries up to ", st.last.str(),
                   " (Redis restarted without them): marked");
      if (!main_.command({"EVAL", mark_lost_lua, "1", key, st.last.str()}))
        return false;
    }
    return true;
  }

  void lost() {
    health_.set(false);
    reading_ = false;
  }

  void unblock() {
    // Retried each round until the XREAD returns: the UNBLOCK may overtake
    // the XREAD it is meant for, as they travel on different connections.
    if (control_.ensure_connected())
      control_.command({"CLIENT", "UNBLOCK", client_id_});
  }

  void issue_read() {
    std::vector<std::string> argv{"XREAD", "COUNT", batch, "BLOCK", block_ms, "STREAMS"};
    argv.reserve(argv.size() + 2 * keys_.size());
    for (auto& [key, st] : keys_)
      argv.push_back(key);
    for (auto& [key, st] : keys_)
      argv.push_back(st.last.str());
    dirty_ = false;
    log::debug("redis", "listener reads ", keys_.size(), " keys");
    reading_ = main_.append(argv) && main_.flush();
    if (!reading_)
      lost();
  }

  void on_read(const redisReply* r) {
    reading_ = false;
    log::debug("redis", "listener got ", reply::size(r), " streams");
    if (reply::is_error(r)) {
      main_.disconnect(reply::str(r));
      return lost();
    }
    for (size_t i = 0; i < reply::size(r); ++i) {
      auto stream = reply::at(r, i);
      auto key = reply::str(reply::at(stream, 0));
      auto k = keys_.find(key);
      if (k == keys_.end())
        continue;
      for (auto& entry : parse_entries(reply::at(stream, 1)))
        deliver(k->second, key, entry);
    }
  }

  void deliver(key_state& st, const std::string& key, const stream_entry& entry) {
    auto id = stream_id::parse(entry.id);
    if (!id || *id <= st.last)
      return;
    st.last = *id;
    for (auto& topic : st.topics)
      self_->send(topic, entry_atom::value, key, entry);
  }

  caf::blocking_actor* self_;
  redis_client main_;
  redis_client control_;
  broker_status::flag health_;
  std::map<std::string, key_state> keys_;
  std::string client_id_;
  bool reading_ = false; ///< an XREAD is outstanding on main_
  bool dirty_ = false;   ///< the key set changed since that XREAD
};

} // namespace

void redis_listener(caf::blocking_actor* self, redis_endpoint endpoint, redis_timeouts timeouts,
                    std::shared_ptr<broker_status> status) {
  listener l{self, endpoint, timeouts, std::move(status)};
  key_role_loop<listen_atom, unlisten_atom, stream_actor>(self, l);
}

} // namespace sb
