#pragma once
// Switchboard's plugin API: everything a C++ plugin built as a shared
// library sees of the server. Plain C++17, no server headers, no CAF.
//
// The seed's contract, one instance per (socket, plugin, stream):
//   init    your factory: called with the instance's context, returns it
//   open    the socket attached; call done() to let it start
//   message a client command ({"client":..,"event":..,"data":..})
//   close   the socket is going away (not called when open refused)
// and one exported entry point listing your plugins:
//
//   #include <switchboard/plugin.hpp>
//   struct votes : switchboard::plugin {
//     explicit votes(switchboard::context& ctx) : ctx(ctx) {}
//     void message(const switchboard::command& cmd) override {
//       ctx.append("vote", cmd.data, 1000, [this, cmd](switchboard::outcome r) {
//         r.ok ? ctx.ack(cmd, r.id) : ctx.error(cmd, r.error, "not stored");
//       });
//     }
//     switchboard::context& ctx;
//   };
//   SWITCHBOARD_PLUGINS({"votes", "vote", [](switchboard::context& ctx) {
//     return std::unique_ptr<switchboard::plugin>(new votes(ctx)); }})
//
// Threading: the server runs every hook and every callback of one
// instance on that instance's own actor, one at a time, so an instance
// needs no lock. Different instances run in parallel: state shared between
// them (a static) needs one. Nothing may block: no sleeping, no blocking
// I/O; ask the context and continue in the callback. After close()
// returns, callbacks still due run (an append finishes), timers do not.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

/// The layout of everything below. A library built against another
/// version is refused at start-up.
#define SWITCHBOARD_PLUGIN_API_VERSION 1

namespace switchboard {

/// How the socket receives live events (PROTOCOL §1).
enum class strategy { pub_sub, streams };

/// Error codes a plugin answers with (PROTOCOL §3).
enum class error_code { invalid_frame, forbidden, rate_limited, too_large, unavailable, internal };

/// The session's user, from its token (or a guest): never from a client frame.
struct user {
  std::string id;
  std::string name;
};

/// One client command.
struct command {
  std::string event;
  std::string data; ///< a JSON object, "{}" when the client sent none
  std::string ref;  ///< the client's ref as JSON text, "null" when absent
};

/// A stored event, as history() and replay() return them.
struct entry {
  std::string id;    ///< its stream position, e.g. "1718000000000-0"
  std::string event;
  std::string data;  ///< JSON text
};

/// How an asynchronous call ended.
struct outcome {
  bool ok = true;
  error_code error = error_code::internal; ///< when !ok
  std::string message;                     ///< when !ok, for the client
  std::string id;                          ///< append(): the stored event's id
};

/// What the server tells one instance and does for it. It lives as long
/// as the instance; every `data_json` must be valid JSON text.
class context {
public:
  // --- who and where ---
  virtual const std::string& socket_id() const = 0;
  virtual const switchboard::user& user() const = 0;
  virtual const std::string& user_json() const = 0; ///< {"id":..,"name":..}, ready to embed
  virtual const std::string& plugin_name() const = 0;
  virtual const std::string& stream() const = 0;
  virtual switchboard::strategy strategy() const = 0;
  virtual const std::string& key() const = 0;   ///< `<stream>:<plugin>`: the stream and channel
  virtual const std::string& since() const = 0; ///< the client's `since`, "" when none

  // --- answering a command: once each ---
  virtual void ack(const command& cmd, const std::string& id = {}) = 0;
  virtual void error(const command& cmd, error_code code, const std::string& message) = 0;

  // --- events ---
  /// To this socket only. Before open's done(): the socket's catch-up,
  /// written before any live event of the stream. `id`: the position of a
  /// stored event sent again (from history() or replay()), so the client
  /// can resume after it and live copies of it are not sent twice.
  virtual void send(const std::string& event, const std::string& data_json,
                    const std::string& id = {}) = 0;
  /// Ephemeral, to every socket on the stream on every node; not to this
  /// one when `others_only`. Not stored.
  virtual void publish(const std::string& event, const std::string& data_json, bool others_only,
                       std::function<void(outcome)> done = {}) = 0;
  /// Stored in the stream key() (XADD MAXLEN ~ max_length) and delivered to
  /// every socket on the stream; done() gets the id.
  virtual void append(const std::string& event, const std::string& data_json,
                      uint64_t max_length, std::function<void(outcome)> done = {}) = 0;
  /// The last `count` stored events, oldest first.
  virtual void history(uint64_t count,
                       std::function<void(outcome, std::vector<entry>)> done) = 0;
  /// Up to `count` stored events after id `after` (since() on open);
  /// `recovered` is false when some after it were trimmed away. Called in
  /// open, its `recovered` is what welcome tells the client.
  virtual void replay(const std::string& after, uint64_t count,
                      std::function<void(outcome, std::vector<entry>, bool recovered)> done) = 0;
  /// Runs `fn` on this instance after `delay`, unless it closed by then.
  virtual void after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;

protected:
  ~context() = default;
};

/// One instance of a plugin: the seed's hooks. Exceptions thrown from a
/// hook are caught: the command gets `internal`, a failed open fails the spec.
class plugin {
public:
  virtual ~plugin() = default;
  /// The socket attached. Call `done` once, now or from a callback:
  /// ok lets the socket start; an error refuses this spec with that code
  /// and message (e.g. forbidden). The socket waits at most 10 s.
  virtual void open(std::function<void(outcome)> done) { done({}); }
  virtual void message(const command& cmd) = 0;
  virtual void close() {}
};

/// The seed's init: makes the instance for one (socket, stream).
using factory = std::unique_ptr<plugin> (*)(context& ctx);

struct plugin_def {
  const char* name;          ///< [a-z][a-z0-9_]*, at most 32 characters
  const char* default_event; ///< for stored entries that name no event
  factory init;
};

/// What the entry point returns; `api_version` stays the first member in
/// every version, so any server can read it.
struct module {
  uint32_t api_version;
  uint32_t count;
  const plugin_def* plugins;
};

} // namespace switchboard

/// The entry point the server looks up in a library.
#define SWITCHBOARD_PLUGIN_ENTRY "switchboard_plugin_module"

/// Defines the entry point: SWITCHBOARD_PLUGINS({"name", "event", init}, ...).
#define SWITCHBOARD_PLUGINS(...)                                                     \
  extern "C" __attribute__((visibility("default")))                                  \
  const ::switchboard::module* switchboard_plugin_module() {                         \
    static const ::switchboard::plugin_def defs[] = {__VA_ARGS__};                   \
    static const ::switchboard::module m{SWITCHBOARD_PLUGIN_API_VERSION,             \
                                         sizeof(defs) / sizeof(defs[0]), defs};      \
    return &m;                                                                       \
  }
