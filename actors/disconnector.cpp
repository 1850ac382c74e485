#include "actors/disconnector.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "core/log.hpp"
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

struct disconnector_state {
  static inline const char* name = "disconnector";

  void subscribe();
  caf::result<ok_atom> ready();
  void on_message(const std::string& payload);

  disconnector_actor::stateful_pointer<disconnector_state> self = nullptr;
  broker_handles broker;
  server* srv = nullptr;
  bool subscribed = false;
  std::vector<caf::typed_response_promise<ok_atom>> waiting; ///< ready requests
};

void disconnector_state::subscribe() {
  // Retried until the broker answers: a node that starts while Redis is
  // away still hears disconnects once it is back.
  self->request(broker.subscriber, std::chrono::seconds(5), subscribe_atom::value,
                std::string{disconnect_channel}, caf::actor_cast<channel_actor>(self))
    .then(
      [this](ok_atom) {
        subscribed = true;
        for (auto& rp : waiting)
          rp.deliver(ok_atom::value);
        waiting.clear();
      },
      [this](caf::error&) {
        self->delayed_send(self, std::chrono::seconds(1), subscribe_atom::value);
      });
}

caf::result<ok_atom> disconnector_state::ready() {
  if (subscribed)
    return ok_atom::value;
  auto rp = self->make_response_promise<ok_atom>();
  waiting.push_back(rp);
  return rp;
}

void disconnector_state::on_message(const std::string& payload) {
  auto doc = json::parse(payload, nullptr, false);
  if (!doc.is_object() || doc.value("origin", std::string{}) == srv->node_id())
    return;
  auto closed = srv->disconnect(doc.value("user", std::string{}),
                                doc.value("socket", std::string{}));
  if (closed > 0)
    log::info("disconnector", "closed ", closed, " sockets for another node's API call");
}

disconnector_actor::behavior_type
disconnector(disconnector_actor::stateful_pointer<disconnector_state> self,
             broker_handles broker, server* srv) {
  auto& st = self->state;
  st.self = self;
  st.broker = std::move(broker);
  st.srv = srv;
  st.subscribe();
  return {
    [&st](subscribe_atom) { st.subscribe(); },
    [&st](ready_atom) { return st.ready(); },
    [&st](message_atom, const std::string&, const std::string& payload) {
      st.on_message(payload);
    },
  };
}

} // namespace

disconnector_actor spawn_disconnector(caf::actor_system& sys, broker_handles broker,
                                      server* srv, std::chrono::milliseconds timeout) {
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
