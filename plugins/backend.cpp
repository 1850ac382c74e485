#include "plugins/backend.hpp"

#include <caf/all.hpp>
#include <map>
#include <memory>
#include <unordered_map>

#include "plugins/backend_client.hpp"

namespace sb {

namespace {

struct route_pool {
  backend_route route;
  std::shared_ptr<backend_pool> pool;
};

struct backend_state {
  static inline const char* name = "backend";

  /// Destroyed first: stops the io thread before the pools go.
  ~backend_state() { client.stop(); }

  backend_client client;
  std::map<std::string, route_pool, std::less<>> routes;
  std::unordered_map<uint64_t, caf::typed_response_promise<backend_response>> waiting;
  uint64_t last_call = 0;
};

using backend_pointer = backend_actor::stateful_pointer<backend_state>;

caf::result<backend_response> post(backend_pointer self, const std::string& plugin,
                                   std::string body) {
  auto& st = self->state;
  auto i = st.routes.find(plugin);
  if (i == st.routes.end())
    return backend_response{0, {}, "no backend is configured for plugin " + plugin};
  auto rp = self->make_response_promise<backend_response>();
  auto id = ++st.last_call;
  st.waiting.emplace(id, rp);
  auto& r = i->second.route;
  // The answer comes on the io thread: back to this actor as a message.
  auto me = caf::actor_cast<backend_actor>(self);
  i->second.pool->post({r.target, std::move(body), r.authorization, r.timeout},
                       [me, id](backend_response res) {
                         caf::anon_send(me, answered_atom::value, id, std::move(res));
                       });
  return rp;
}

backend_actor::behavior_type backend(backend_pointer self, std::vector<backend_route> routes) {
  auto& st = self->state;
  for (auto& r : routes) {
    auto pool = st.client.pool(r.host, r.port);
    auto name = r.plugin;
    st.routes.emplace(std::move(name), route_pool{std::move(r), std::move(pool)});
  }
  st.client.start();
  return {
    [self](backend_atom, const std::string& plugin, std::string& body) {
      return post(self, plugin, std::move(body));
    },
    [self](answered_atom, uint64_t id, backend_response& res) {
      auto& waiting = self->state.waiting;
      auto i = waiting.find(id);
      if (i == waiting.end())
        return;
      i->second.deliver(std::move(res));
      waiting.erase(i);
    },
  };
}

} // namespace

backend_actor spawn_backend(caf::actor_system& sys, std::vector<backend_route> routes) {
  return sys.spawn<caf::hidden>(backend, std::move(routes));
}

} // namespace sb
