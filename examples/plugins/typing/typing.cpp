// A typing indicator ("Ada is typing…") as a Switchboard plugin in a
// shared library. Clients send `typing` while their user types and
// `stopped` when they stop; every other socket on the stream gets the
// same event with the user, `{"user":{"id","name"}}`. Nothing is stored:
// the events are published, live only. At most one event per second per
// user goes out: extra `typing` events are acked and dropped, and a
// `stopped` that comes too early goes out when the second is over. A
// socket that closes while its user was shown typing sends `stopped`.

#include <switchboard/plugin.hpp>

#include <chrono>
#include <iterator>
#include <map>
#include <mutex>
#include <utility>

namespace {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;
constexpr milliseconds min_gap{1000};

/// When each user last had an event sent out on each stream. Shared by
/// every instance (one per socket, on many threads): a user with two tabs
/// gets one budget. Entries older than the gap mean nothing any more and
/// are swept once there are many.
class user_budget {
public:
  /// How long until `user` may send on `stream`; zero means now, and the
  /// time is taken.
  milliseconds claim(const std::string& stream, const std::string& user) {
    std::lock_guard<std::mutex> lock{mutex_};
    auto now = clock_type::now();
    if (last_.size() >= sweep_at)
      sweep(now);
    auto& last = last_[{stream, user}];
    if (last.time_since_epoch().count() != 0 && now - last < min_gap)
      return std::chrono::duration_cast<milliseconds>(min_gap - (now - last)) + milliseconds{1};
    last = now;
    return milliseconds{0};
  }

private:
  static constexpr size_t sweep_at = 4096;

  void sweep(clock_type::time_point now) {
    for (auto i = last_.begin(); i != last_.end();)
      i = now - i->second >= min_gap ? last_.erase(i) : std::next(i);
  }

  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, clock_type::time_point> last_;
};

user_budget& budget() {
  static user_budget b;
  return b;
}

class typing final : public switchboard::plugin {
public:
  explicit typing(switchboard::context& ctx) : ctx_(ctx) {}

  void message(const switchboard::command& cmd) override {
    if (cmd.event != "typing" && cmd.event != "stopped") {
      ctx_.error(cmd, switchboard::error_code::invalid_frame,
                 "typing has the events typing and stopped, not \"" + cmd.event + "\"");
      return;
    }
    ctx_.ack(cmd);
    wants_typing_ = cmd.event == "typing";
    update();
  }

  void close() override {
    if (shown_typing_) // the user left while others saw them typing
      ctx_.publish("stopped", data(), true);
  }

private:
  /// Shows others what the user wants them to see, within the budget.
  void update() {
    // A `typing` while shown typing still goes out: receivers expire an
    // indicator that is not refreshed.
    if (!wants_typing_ && !shown_typing_)
      return;
    auto wait = budget().claim(ctx_.stream(), ctx_.user().id);
    if (wait.count() == 0) {
      shown_typing_ = wants_typing_;
      ctx_.publish(wants_typing_ ? "typing" : "stopped", data(), true);
    } else if (!wants_typing_ && !retry_pending_) {
      retry_pending_ = true; // `stopped` must not be lost, only delayed
      ctx_.after(wait, [this] {
        retry_pending_ = false;
        update();
      });
    }
  }

  std::string data() const { return "{\"user\":" + ctx_.user_json() + "}"; }

  switchboard::context& ctx_;
  bool wants_typing_ = false;
  bool shown_typing_ = false;
  bool retry_pending_ = false;
};

std::unique_ptr<switchboard::plugin> make_typing(switchboard::context& ctx) {
  return std::make_unique<typing>(ctx);
}

} // namespace

SWITCHBOARD_PLUGINS({"typing", "typing", make_typing})
