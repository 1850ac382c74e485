#include "redis/consumer_reader.hpp"

#include <caf/all.hpp>
#include <map>

#include "core/consumer_rules.hpp"
#include "core/log.hpp"
#include "core/stream_id.hpp"
#include "redis/consumer_scripts.hpp"
#include "redis/group_replies.hpp"
#include "redis/lua_script.hpp"

namespace sb {

namespace {

constexpr const char* block_ms = "1000";
constexpr const char* scan_count = "1000";
constexpr const char* dead_letter_maxlen = "10000";

const lua_script& take_script() {
  static const lua_script s{consumer_lua::take};
  return s;
}
const lua_script& touch_script() {
  static const lua_script s{consumer_lua::touch};
  return s;
}
const lua_script& bury_script() {
  static const lua_script s{consumer_lua::bury};
  return s;
}

class reader {
public:
  using clock = std::chrono::steady_clock;

  reader(caf::blocking_actor* self, consumer_reader_config cfg, consumer_actor owner)
    : self_(self),
      cfg_(std::move(cfg)),
      owner_(std::move(owner)),
      main_(cfg_.endpoint, cfg_.timeouts, "consumer-" + cfg_.group),
      control_(cfg_.endpoint, cfg_.timeouts, "consumer-" + cfg_.group + "-control") {
  }

  // --- requests of the stream consumers ---

  caf::result<group_batch> take(const std::string& key) {
    auto r = eval(take_script(), {key},
                  {cfg_.group, cfg_.worker, std::to_string(cfg_.batch),
                   std::to_string(cfg_.claim_after.count())});
    if (!r || reply::is_error(r.get()))
      return failed("take", key, r.get());
    auto parsed = parse_take(r.get());
    group_batch out;
    switch (parsed.what) {
      case take_reply::kind::gone:
        keys_.erase(key);
        out.gone = true;
        return out;
      case take_reply::kind::bad:
        return failed("take", key, r.get());
      default:
        seen(key, parsed.last_id);
        out.entries = std::move(parsed.entries);
        return out;
    }
  }

  caf::result<ok_atom> ack(const std::string& key, const std::string& id) {
    auto r = run({"XACK", key, cfg_.group, id});
    if (!r || reply::is_error(r.get()))
      return failed("XACK", key, r.get());
    return ok_atom::value;
  }

  caf::result<ok_atom> bury(const std::string& key, const std::string& id,
                            const std::vector<std::string>& fields) {
    std::vector<std::string> args{cfg_.group, id, dead_letter_maxlen};
    args.insert(args.end(), fields.begin(), fields.end());
    auto r = eval(bury_script(), {key, dead_letter_key(cfg_.group)}, args);
    if (!r || reply::is_error(r.get()))
      return failed("dead-letter", key, r.get());
    return ok_atom::value;
  }

  caf::result<uint64_t> touch(const std::string& key) {
    auto r = eval(touch_script(), {key}, {cfg_.group, cfg_.worker});
    if (!r || reply::is_error(r.get()))
      return failed("touch", key, r.get());
    return static_cast<uint64_t>(reply::integer(r.get()));
  }

  // --- its own work, between messages ---

  void step() {
    scan();
    if (!main_.connected() && !reconnect()) {
      self_->await_data(caf::make_timestamp() + mailbox_poll_interval);
      return;
    }
    if (!reading_ && !keys_.empty())
      issue_read();
    if (!reading_) {
      self_->await_data(caf::make_timestamp() + mailbox_poll_interval);
      return;
    }
    if (!main_.read_replies(mailbox_poll_interval, [this](const redisReply* r) { on_read(r); }))
      reading_ = false;
  }

private:
  reply_ptr run(const std::vector<std::string>& argv) {
    if (!control_.ensure_connected())
      return nullptr;
    return control_.command(argv);
  }

  reply_ptr eval(const lua_script& s, const std::vector<std::string>& keys,
                 const std::vector<std::string>& args) {
    return eval_lua([this](const std::vector<std::string>& argv) { return run(argv); }, s, keys,
                    args);
  }

  caf::error failed(const char* what, const std::string& key, const redisReply* r) {
    log::warning("consumer", cfg_.group, " could not ", what, " on ", key, ": ",
                 r ? reply::str(r) : "Redis is unavailable");
    return make_error(ec::unavailable);
  }

  /// Wake-ups of `key` start after `id` from now on (when it is newer).
  void seen(const std::string& key, const std::string& id) {
    auto next = stream_id::parse(id);
    // A key it lost track of (XREAD failed) is read again from its start.
    auto& last = keys_.emplace(key, "0-0").first->second;
    if (next && *stream_id::parse(last) < *next)
      last = id;
  }

  /// One SCAN page when a pass is due or under way: the new keys are
  /// read from their first entry, and their consumers woken at once.
  void scan() {
    if (!scanning_ && clock::now() < next_scan_)
      return;
    scanning_ = true;
    auto r = run({"SCAN", cursor_, "MATCH", cfg_.glob, "COUNT", scan_count, "TYPE", "stream"});
    auto page = parse_scan(r.get());
    if (!page.ok) {
      next_scan_ = clock::now() + cfg_.scan_every; // Redis is away: later
      scanning_ = false;
      cursor_ = "0";
      return;
    }
    for (auto& key : page.keys)
      if (consumable_key(cfg_.glob, key) && keys_.emplace(key, "0-0").second) {
        log::debug("consumer", cfg_.group, " found ", key);
        self_->send(owner_, wake_atom::value, key);
      }
    cursor_ = page.cursor;
    if (cursor_ == "0") {
      scanning_ = false;
      next_scan_ = clock::now() + cfg_.scan_every;
    }
  }

  bool reconnect() {
    reading_ = false;
    return main_.ensure_connected();
  }

  void issue_read() {
    std::vector<std::string> argv{"XREAD", "COUNT", "1", "BLOCK", block_ms, "STREAMS"};
    argv.reserve(argv.size() + 2 * keys_.size());
    for (auto& [key, last] : keys_)
      argv.push_back(key);
    for (auto& [key, last] : keys_)
      argv.push_back(last);
    reading_ = main_.append(argv) && main_.flush();
  }

  void on_read(const redisReply* r) {
    reading_ = false;
    if (reply::is_error(r)) {
      // A key became something else than a stream: start over from SCAN,
      // which only finds streams.
      log::warning("consumer", cfg_.group, " XREAD failed (", reply::str(r),
                   "): finding its keys again");
      keys_.clear();
      next_scan_ = clock::now();
      return;
    }
    for (auto& [key, id] : parse_wakeups(r)) {
      seen(key, id);
      self_->send(owner_, wake_atom::value, key);
    }
  }

  caf::blocking_actor* self_;
  consumer_reader_config cfg_;
  consumer_actor owner_;
  redis_client main_;    ///< XREAD BLOCK
  redis_client control_; ///< SCAN and the scripts
  std::map<std::string, std::string> keys_; ///< key -> wake-ups after this id
  std::string cursor_ = "0";
  bool scanning_ = false;
  clock::time_point next_scan_{};
  bool reading_ = false; ///< an XREAD is outstanding on main_
};

void consumer_reader(caf::blocking_actor* self, consumer_reader_config cfg,
                     consumer_actor owner) {
  reader r{self, std::move(cfg), std::move(owner)};
  bool running = true;
  while (running) {
    while (running && self->has_next_message())
      self->receive(
        [&](take_atom, const std::string& key) { return r.take(key); },
        [&](ack_atom, const std::string& key, const std::string& id) { return r.ack(key, id); },
        [&](bury_atom, const std::string& key, const std::string& id,
            const std::vector<std::string>& fields) { return r.bury(key, id, fields); },
        [&](touch_atom, const std::string& key) { return r.touch(key); },
        [&](caf::exit_msg&) { running = false; });
    if (running)
      r.step();
  }
}

} // namespace

consumer_reader_actor spawn_consumer_reader(caf::actor_system& sys, consumer_reader_config cfg,
                                            consumer_actor owner) {
  // CAF 0.17 gives blocking actors no typed interface: the receive loop
  // above handles exactly consumer_reader_actor's messages.
  return caf::actor_cast<consumer_reader_actor>(
    sys.spawn(consumer_reader, std::move(cfg), std::move(owner)));
}

} // namespace sb
