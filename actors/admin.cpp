#include "actors/admin.hpp"

#include <caf/all.hpp>

#include "actors/disconnector.hpp"
#include "actors/gather.hpp"
#include "actors/socket_directory.hpp"
#include "core/log.hpp"
#include "core/utf8.hpp"
#include "net/server.hpp"

namespace sb {

namespace {

/// How long one socket or topic may take to describe itself; a slower one
/// is left out of the list rather than holding the operator up.
constexpr std::chrono::seconds describe_timeout{1};

/// The close code of `ctl kick`: 4000 is the first private-use code
/// (RFC 6455 §7.4.2); PROTOCOL.md lists it.
constexpr uint16_t kick_code = 4000;

struct admin_state {
  static inline const char* name = "admin";

  caf::result<std::vector<socket_report>> sockets() {
    auto all = ctx.sockets ? ctx.sockets->snapshot() : std::vector<connection_actor>{};
    return gather<socket_report>(self, all, describe_timeout, describe_atom::value);
  }

  uint64_t kick(const std::string& socket, const std::string& reason) {
    auto closed = ctx.srv->close_sockets({}, socket, kick_code, kick_reason(reason));
    log::info("admin", "kick ", socket, ": ", closed ? "closed" : "no such socket here");
    return closed;
  }

  caf::result<uint64_t> disconnect(const std::string& user) {
    auto closed = ctx.srv->disconnect(user, {});
    log::info("admin", "disconnect user ", user, " closed ", closed, " sockets here");
    // Every other node closes its own, as for /api/disconnect. Bounded
    // below ctl's default 5 s, so that a broker that is down comes back as
    // an error and not as ctl's timeout.
    auto rp = self->make_response_promise<uint64_t>();
    self
      ->request(ctx.broker.command, std::chrono::seconds(3), publish_atom::value,
                std::string{disconnect_channel},
                disconnect_payload(user, {}, ctx.srv->node_id()))
      .then([rp, closed](uint64_t) mutable { rp.deliver(uint64_t{closed}); },
            [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
    return rp;
  }

  admin_actor::stateful_pointer<admin_state> self = nullptr;
  admin_context ctx;
};

} // namespace

std::string kick_reason(const std::string& reason) {
  if (reason.empty() || !valid_utf8(reason))
    return "Closed by an operator";
  return reason;
}

namespace {

// The context is a spawn argument, not a capture: CAF 0.17 dereferences a
// null argument tuple for a function spawned without arguments (UBSan
// reports it).
admin_actor::behavior_type admin(admin_actor::stateful_pointer<admin_state> self,
                                 admin_context ctx) {
  auto& st = self->state;
  st.self = self;
  st.ctx = std::move(ctx);
  return {
    [&st](stats_atom) { return st.ctx.srv->metrics_text(); },
    [&st](sockets_atom) { return st.sockets(); },
    [&st](topics_atom) -> caf::result<std::vector<topic_report>> {
      return st.self->delegate(st.ctx.topics, topics_atom::value);
    },
    [&st](kick_atom, const std::string& socket, const std::string& reason) {
      return st.kick(socket, reason);
    },
    [&st](disconnect_atom, const std::string& user) { return st.disconnect(user); },
    [&st](config_atom) { return st.ctx.config; },
    [&st](join_atom, worker_actor& w, std::string& name) -> caf::result<ok_atom> {
      return st.self->delegate(st.ctx.workers, join_atom::value, std::move(w), std::move(name));
    },
    [&st](workers_atom) -> caf::result<std::vector<worker_report>> {
      return st.self->delegate(st.ctx.workers, workers_atom::value);
    },
  };
}

} // namespace

admin_actor spawn_admin(caf::actor_system& sys, admin_context ctx) {
  return sys.spawn(admin, std::move(ctx));
}

} // namespace sb
