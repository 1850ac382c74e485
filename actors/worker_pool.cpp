#include "actors/worker_pool.hpp"

#include <caf/all.hpp>
#include <chrono>
#include <map>

#include "core/error.hpp"
#include "core/log.hpp"

namespace sb {

namespace {

using clock = std::chrono::steady_clock;

struct worker_entry {
  worker_actor handle;
  std::string name;
  clock::time_point joined;
  std::map<std::string, uint64_t> hosted; ///< live instances by plugin name
  uint64_t load = 0; ///< instances hosted or being spawned
};

/// Where an instance runs, so that its end lowers the right worker's load.
struct placement {
  caf::actor_addr worker;
  std::string plugin;
};

struct worker_pool_state {
  static inline const char* name = "worker_pool";

  ok_atom join(worker_actor w, std::string worker_name) {
    auto addr = w.address();
    if (workers.count(addr) == 0) {
      self->monitor(w);
      log::info("workers", "worker ", worker_name, " joined (", to_string(addr.node()), ")");
      workers.emplace(addr, worker_entry{std::move(w), std::move(worker_name), clock::now(),
                                         {}, 0});
    }
    return ok_atom::value;
  }

  /// The least loaded worker; the oldest among equals, so that placement
  /// does not depend on the order of addresses.
  worker_entry* least_loaded() {
    worker_entry* best = nullptr;
    for (auto& [addr, w] : workers)
      if (!best || w.load < best->load || (w.load == best->load && w.joined < best->joined))
        best = &w;
    return best;
  }

  caf::result<plugin_actor> place(plugin_context ctx) {
    auto plugin = ctx.spec.name;
    auto* w = least_loaded();
    if (!w)
      return make_error(ec::unavailable, "no worker is connected to host the " + plugin
                                           + " plugin; try again later");
    // Counted at once, not when the worker answers: a socket with many
    // specs spreads them, though every request goes out before any reply.
    ++w->load;
    auto rp = self->make_response_promise<plugin_actor>();
    auto worker = w->handle.address();
    auto worker_name = w->name;
    self->request(w->handle, host_timeout, host_atom::value, std::move(ctx))
      .then(
        [this, rp, worker, plugin](plugin_actor& instance) mutable {
          hosted(worker, instance, plugin);
          rp.deliver(std::move(instance));
        },
        [this, rp, worker, worker_name, plugin](caf::error& err) mutable {
          if (auto i = workers.find(worker); i != workers.end())
            --i->second.load;
          auto why = error_message(err);
          rp.deliver(make_error(ec::unavailable,
                                "worker " + worker_name + " could not host the " + plugin
                                  + " plugin" + (why.empty() ? "" : ": " + why)));
        });
    return rp;
  }

  void hosted(const caf::actor_addr& worker, const plugin_actor& instance,
              const std::string& plugin) {
    auto w = workers.find(worker);
    if (w == workers.end())
      return; // the worker left meanwhile: its instance is gone with it
    ++w->second.hosted[plugin];
    self->monitor(instance);
    placed.emplace(instance.address(), placement{worker, plugin});
  }

  void on_down(const caf::down_msg& dm) {
    if (auto w = workers.find(dm.source); w != workers.end()) {
      log::warning("workers", "worker ", w->second.name, " left: ",
                   self->system().render(dm.reason));
      workers.erase(w);
      return;
    }
    auto p = placed.find(dm.source);
    if (p == placed.end())
      return;
    if (auto w = workers.find(p->second.worker); w != workers.end()) {
      --w->second.load;
      if (--w->second.hosted[p->second.plugin] == 0)
        w->second.hosted.erase(p->second.plugin);
    }
    placed.erase(p);
  }

  std::vector<worker_report> reports() const {
    std::vector<worker_report> out;
    auto now = clock::now();
    for (auto& [addr, w] : workers) {
      worker_report r{w.name, to_string(addr.node()), w.load, {},
                      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              now - w.joined)
                                              .count())};
      for (auto& [plugin, n] : w.hosted)
        r.hosted.push_back({plugin, n});
      out.push_back(std::move(r));
    }
    return out;
  }

  worker_pool_actor::stateful_pointer<worker_pool_state> self = nullptr;
  std::chrono::milliseconds host_timeout{0};
  std::map<caf::actor_addr, worker_entry> workers;
  std::map<caf::actor_addr, placement> placed;
};

worker_pool_actor::behavior_type
worker_pool(worker_pool_actor::stateful_pointer<worker_pool_state> self,
            std::chrono::milliseconds host_timeout) {
  auto& st = self->state;
  st.self = self;
  st.host_timeout = host_timeout;
  self->set_down_handler([&st](caf::down_msg& dm) { st.on_down(dm); });
  return {
    [&st](join_atom, worker_actor& w, std::string& name) {
      return st.join(std::move(w), std::move(name));
    },
    [&st](place_atom, plugin_context& ctx) { return st.place(std::move(ctx)); },
    [&st](workers_atom) { return st.reports(); },
  };
}

} // namespace

// The timeout is a spawn argument (not a constant) also because CAF 0.17
// dereferences a null argument tuple for a function spawned without any.
worker_pool_actor spawn_worker_pool(caf::actor_system& sys, std::chrono::milliseconds host_timeout) {
  return sys.spawn(worker_pool, host_timeout);
}

} // namespace sb
