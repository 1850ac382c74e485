#include "redis/cluster_listener.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <map>
#include <set>
#include <unordered_map>

#include "core/actors.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "redis/cluster_keys.hpp"
#include "redis/key_role_loop.hpp"
#include "redis/redis_entries.hpp"
#include "redis/shard_channels.hpp"
#include "redis/stream_loss.hpp"

namespace sb {

namespace {

constexpr size_t batch = 512;
/// Every key is read this often even when no doorbell rang.
constexpr std::chrono::seconds sweep_period{1};

class cluster_listener {
public:
  cluster_listener(caf::blocking_actor* self, std::vector<redis_endpoint> seeds,
                   redis_timeouts t, std::shared_ptr<broker_status> status)
    : self_(self),
      health_(std::move(status)),
      channels_(std::move(seeds), t, "listener",
                {[this](const std::string& c, std::string) { ring(c); },
                 [this](const std::string& c) { ring(c); },
                 [this](const std::string& c) { unheard_.insert(c); }}) {
  }

  /// A topic listens to `key` (listen_atom, through key_role_loop): the id
  /// it delivers from.
  caf::result<std::string> add(const std::string& key, stream_actor topic) {
    auto rkey = cluster_key(key);
    auto i = keys_.find(rkey);
    if (i == keys_.end()) {
      auto start = start_id(rkey);
      if (!start || !channels_.add(rkey))
        return make_error(ec::unavailable);
      i = keys_.emplace(rkey, key_state{*start, {}, key, false}).first;
      count(metrics::global().stream_keys, 1);
    }
    auto& topics = i->second.topics;
    if (std::find(topics.begin(), topics.end(), topic) == topics.end())
      topics.push_back(std::move(topic));
    return i->second.last.str();
  }

  void remove(const std::string& key, const stream_actor& topic) {
    auto i = keys_.find(cluster_key(key));
    if (i == keys_.end())
      return;
    auto& topics = i->second.topics;
    topics.erase(std::remove(topics.begin(), topics.end(), topic), topics.end());
    if (!topics.empty())
      return;
    channels_.remove(i->first);
    dirty_.erase(i->first);
    unheard_.erase(i->first);
    keys_.erase(i);
    count(metrics::global().stream_keys, -1);
  }

  void step() {
    if (!channels_.step(mailbox_poll_interval))
      self_->await_data(caf::make_timestamp() + mailbox_poll_interval);
    for (auto i = unheard_.begin(); i != unheard_.end();) // their master was lost: again
      i = channels_.add(*i) ? unheard_.erase(i) : std::next(i);
    auto now = std::chrono::steady_clock::now();
    if (now - last_sweep_ >= sweep_period) {
      last_sweep_ = now;
      for (auto& [key, st] : keys_)
        dirty_.insert(key);
    }
    if (!dirty_.empty())
      read_dirty();
    if (keys_.empty())
      reads_ok_ = true; // nothing left to read: a failed read is no reason to stay down
    health_.set(reads_ok_ && channels_.live());
  }

private:
  struct key_state {
    stream_id last;
    std::vector<stream_actor> topics;
    std::string key;         ///< as topics name it
    bool check_loss = false; ///< its master's connection broke since the last read
  };

  void ring(const std::string& channel) {
    if (keys_.count(channel))
      dirty_.insert(channel);
  }

  static bool no_such_key(const redisReply* r) {
    return reply::str(r).rfind("ERR no such key", 0) == 0;
  }

  /// Where live delivery of a new key starts: its last generated id.
  std::optional<stream_id> start_id(const std::string& rkey) {
    auto info = channels_.router().command(rkey, {"XINFO", "STREAM", rkey});
    if (!info)
      return std::nullopt;
    if (reply::is_error(info.get()))
      return no_such_key(info.get()) ? std::optional<stream_id>{stream_id{}} // all new
                                     : std::nullopt;
    return last_generated_id(info.get());
  }

  /// One XREAD per key that rang, pipelined per master.
  void read_dirty() {
    auto& router = channels_.router();
    std::map<size_t, std::vector<std::string>> by_link;
    for (auto& key : dirty_)
      if (auto link = router.master_of(key); link >= 0)
        by_link[static_cast<size_t>(link)].push_back(key);
    bool ok = true;
    for (auto& [link, keys] : by_link)
      ok = read_on(link, keys) && ok;
    if (!ok && !reads_ok_)
      router.refresh(); // still failing: perhaps failed over
    reads_ok_ = ok;
  }

  bool read_on(size_t link, const std::vector<std::string>& keys) {
    auto& router = channels_.router();
    auto& c = router.connection(link);
    if (!c.ready())
      return lost(keys);
    std::vector<std::vector<std::string>> reads;
    for (auto& key : keys) {
      auto& st = keys_[key];
      if (st.check_loss && !mark_losses(c, key, st))
        return lost(keys);
      reads.push_back({"XREAD", "COUNT", std::to_string(batch), "STREAMS", key, st.last.str()});
    }
    auto replies = c.pipeline(reads);
    bool ok = true;
    for (size_t i = 0; i < keys.size(); ++i) {
      auto& r = replies[i];
      if (!r) {
        ok = lost({keys[i]});
        continue;
      }
      if (auto redirect = router.follow(r.get(), router.node(link))) {
        // A slot that moved with a failover may have lost entries this
        // node delivered: checked on its new master before the next read.
        if (redirect->what == cluster_redirect::kind::moved)
          keys_[keys[i]].check_loss = true;
        r = router.resend(*redirect, reads[i]);
      }
      if (!r || reply::is_error(r.get()))
        continue; // CLUSTERDOWN, TRYAGAIN, a lost redirect: read again next round
      if (deliver(keys[i], r.get()) < batch)
        dirty_.erase(keys[i]);
    }
    return ok;
  }

  bool lost(const std::vector<std::string>& keys) {
    for (auto& key : keys)
      keys_[key].check_loss = true;
    return false;
  }

  /// A stream that no longer reaches the last id delivered from it lost
  /// entries (a replica promoted before it had them): see stream_loss.hpp.
  bool mark_losses(redis_client& c, const std::string& key, key_state& st) {
    if (st.last.zero()) {
      st.check_loss = false;
      return true;
    }
    auto info = c.command({"XINFO", "STREAM", key});
    if (!info || (reply::is_error(info.get()) && !no_such_key(info.get())))
      return false; // CLUSTERDOWN, LOADING, a MOVED: ask again next round
    if (reply::is_error(info.get()) || last_generated_id(info.get()) < st.last) {
      log::warning("redis", "stream ", key, " lost entries up to ", st.last.str(),
                   " (its master failed over without them): marked");
      auto marked = c.command({"EVAL", mark_lost_lua, "1", key, st.last.str()});
      if (!marked || reply::is_error(marked.get()))
        return false; // a MOVED, CLUSTERDOWN: marked on a later round
    }
    st.check_loss = false;
    return true;
  }

  /// Delivers an XREAD reply's entries; how many there were.
  size_t deliver(const std::string& rkey, const redisReply* r) {
    size_t n = 0;
    auto k = keys_.find(rkey);
    for (size_t i = 0; k != keys_.end() && i < reply::size(r); ++i) {
      auto& st = k->second;
      for (auto& entry : parse_entries(reply::at(reply::at(r, i), 1))) {
        ++n;
        auto id = stream_id::parse(entry.id);
        if (!id || *id <= st.last)
          continue;
        st.last = *id;
        for (auto& topic : st.topics)
          self_->send(topic, entry_atom::value, st.key, entry);
      }
    }
    return n;
  }

  caf::blocking_actor* self_;
  broker_status::flag health_;
  shard_channels channels_;
  std::unordered_map<std::string, key_state> keys_; ///< by Redis key
  std::set<std::string> dirty_;                      ///< keys to read
  std::set<std::string> unheard_;                    ///< keys whose channel was dropped
  std::chrono::steady_clock::time_point last_sweep_{};
  bool reads_ok_ = true;
};

} // namespace

void redis_cluster_listener(caf::blocking_actor* self, std::vector<redis_endpoint> seeds,
                            redis_timeouts timeouts, std::shared_ptr<broker_status> status) {
  cluster_listener l{self, std::move(seeds), timeouts, std::move(status)};
  key_role_loop<listen_atom, unlisten_atom, stream_actor>(self, l);
}

} // namespace sb
