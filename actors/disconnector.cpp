#include "actors/disconnector.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/api_body.hpp"
#include "actors/log.hpp"
#include "net/server.hpp"

namespace sb {

using nlohmann::json;

std::string disconnect_payload(const std::string& user, const std::string& socket,
                               const std::string& origin) {
  json out = {{"origin", origin}};
  if (!user.empty())
    out["user"] = user;
  else
    out["socket"] = socket;
  return out.dump();
}

namespace {

/// (ready_atom) -> ok_atom once subscribed: start-up waits for it.
using ready_atom = caf::atom_constant<caf::atom("ready")>;

struct disconnector_state {
  bool subscribed = false;
  std::vector<caf::response_promise> waiting; ///< ready requests
};

void subscribe(caf::event_based_actor* self, const broker_handles& broker,
               std::shared_ptr<disconnector_state> st) {
  // Retried until the broker answers: a node that starts while Redis is
  // away still hears disconnects once it is back.
  self->request(broker.subscriber, std::chrono::seconds(5), subscribe_atom::value,
                std::string{disconnect_channel}, caf::actor_cast<caf::actor>(self))
    .then(
      [st](ok_atom) {
        st->subscribed = true;
        for (auto& rp : st->waiting)
          rp.deliver(ok_atom::value);
        st->waiting.clear();
      },
      [self](caf::error&) {
        self->delayed_send(self, std::chrono::seconds(1), subscribe_atom::value);
      });
}

} // namespace

caf::behavior disconnector(caf::event_based_actor* self, broker_handles broker, server* srv) {
  auto st = std::make_shared<disconnector_state>();
  subscribe(self, broker, st);
  return {
    [self, broker, st](subscribe_atom) { subscribe(self, broker, st); },
    [self, st](ready_atom) -> caf::result<ok_atom> {
      if (st->subscribed)
        return ok_atom::value;
      auto rp = self->make_response_promise();
      st->waiting.push_back(rp);
      return rp;
    },
    [srv](message_atom, const std::string&, const std::string& payload) {
      // Anyone with Redis access can publish here: a request of another
      // shape is ignored, never assumed.
      auto parsed = parse_disconnect_body(payload);
      auto* req = std::get_if<disconnect_body>(&parsed);
      if (req == nullptr || req->origin == srv->node_id())
        return;
      auto closed = srv->disconnect(req->user, req->socket);
      if (closed > 0)
        log::info("disconnector", "closed ", closed, " sockets for another node's API call");
    },
  };
}

caf::actor spawn_disconnector(caf::actor_system& sys, broker_handles broker, server* srv,
                              std::chrono::milliseconds timeout) {
  auto actor = sys.spawn(disconnector, std::move(broker), srv);
  caf::scoped_actor self{sys};
  self->request(actor, timeout, ready_atom::value)
    .receive([](ok_atom) {},
             [](caf::error&) {
               log::warning("disconnector", "not subscribed yet; retrying in the background");
             });
  return actor;
}

} // namespace sb
