#include "actors/worker.hpp"

#include <caf/all.hpp>

#include "core/error.hpp"
#include "core/log.hpp"

namespace sb {

namespace {

worker_actor::behavior_type worker(worker_actor::pointer self,
                                   std::shared_ptr<const plugin_registry> plugins) {
  return {
    [self, plugins](host_atom, plugin_context& ctx) -> caf::result<plugin_actor> {
      auto info = plugins->find(ctx.spec.name);
      if (!info) {
        log::warning("worker", "asked to host ", ctx.spec.name, ", which it does not have");
        return make_error(ec::unavailable, "this worker has no " + ctx.spec.name + " plugin");
      }
      log::debug("worker", "hosts ", ctx.spec.name, " on ", ctx.spec.stream, " for socket ",
                 ctx.socket_id());
      return info->spawn(self->system(), std::move(ctx));
    },
  };
}

} // namespace

worker_actor spawn_worker(caf::actor_system& sys,
                          std::shared_ptr<const plugin_registry> plugins) {
  return sys.spawn(worker, std::move(plugins));
}

} // namespace sb
