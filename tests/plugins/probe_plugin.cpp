// A plugin library for the tests of hosted plugins: each command and each
// stream prefix exercises one part of include/switchboard/plugin.hpp.
//   open:   stream `refuse:*` refuses (forbidden), `throw:*` throws; with
//           `since` it replays, else it sends `history` with the last 10.
//   append  stores {"note":..} and acks with the id
//   publish publishes `ping` (to others only when data.others is true)
//   echo    sends `echo` with the data to this socket
//   later   sends `later` after 50 ms, acked now
//   throw   throws
//   bad     sends an event whose data is not JSON, then acks
//   close:  publishes `bye` with the user to the others; throws on a
//           `refuse:*` stream, where it must never be called
// A second plugin, `probe_silent`, never answers anything.

#include <switchboard/plugin.hpp>

#include <stdexcept>

namespace {

using switchboard::outcome;

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

class probe final : public switchboard::plugin {
public:
  explicit probe(switchboard::context& ctx) : ctx_(ctx) {}

  void open(std::function<void(outcome)> done) override {
    if (starts_with(ctx_.stream(), "refuse:"))
      return done({false, switchboard::error_code::forbidden, "probe refuses " + ctx_.stream(), {}});
    if (starts_with(ctx_.stream(), "throw:"))
      throw std::runtime_error("probe throws in open");
    if (!ctx_.since().empty()) {
      ctx_.replay(ctx_.since(), 100,
                  [this, done](outcome r, std::vector<switchboard::entry> entries, bool) {
                    for (auto& e : entries)
                      ctx_.send(e.event, e.data, e.id);
                    done(r);
                  });
      return;
    }
    ctx_.history(10, [this, done](outcome r, std::vector<switchboard::entry> entries) {
      std::string list = "[";
      for (auto& e : entries)
        list += (list.size() > 1 ? "," : "") + std::string{"{\"id\":\""} + e.id + "\",\"data\":" + e.data + "}";
      ctx_.send("history", "{\"entries\":" + list + "]}");
      done(r);
    });
  }

  void message(const switchboard::command& cmd) override {
    if (cmd.event == "append")
      ctx_.append("note", cmd.data, 100, [this, cmd](outcome r) {
        r.ok ? ctx_.ack(cmd, r.id) : ctx_.error(cmd, r.error, r.message);
      });
    else if (cmd.event == "publish")
      ctx_.publish("ping", cmd.data, cmd.data.find("\"others\":true") != std::string::npos,
                   [this, cmd](outcome r) {
                     r.ok ? ctx_.ack(cmd) : ctx_.error(cmd, r.error, r.message);
                   });
    else if (cmd.event == "echo") {
      ctx_.send("echo", cmd.data);
      ctx_.ack(cmd);
    } else if (cmd.event == "later") {
      ctx_.after(std::chrono::milliseconds(50), [this] { ctx_.send("later", "{}"); });
      ctx_.ack(cmd);
    } else if (cmd.event == "throw") {
      throw std::runtime_error("probe throws in message");
    } else if (cmd.event == "bad") {
      ctx_.send("bad", "{not json");
      ctx_.ack(cmd);
    } else {
      ctx_.error(cmd, switchboard::error_code::invalid_frame, "probe has no " + cmd.event);
    }
  }

  void close() override {
    if (starts_with(ctx_.stream(), "refuse:"))
      throw std::runtime_error("probe closed after a refused open");
    ctx_.publish("bye", "{\"user\":" + ctx_.user_json() + "}", true);
  }

private:
  switchboard::context& ctx_;
};

class silent final : public switchboard::plugin {
public:
  void open(std::function<void(outcome)>) override {} // never done
  void message(const switchboard::command&) override {}
};

std::unique_ptr<switchboard::plugin> make_probe(switchboard::context& ctx) {
  return std::make_unique<probe>(ctx);
}

std::unique_ptr<switchboard::plugin> make_silent(switchboard::context&) {
  return std::make_unique<silent>();
}

} // namespace

SWITCHBOARD_PLUGINS({"probe", "note", make_probe}, {"probe_silent", "message", make_silent})
