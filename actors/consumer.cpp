#include "actors/consumer.hpp"

#include <caf/all.hpp>

#include "actors/stream_consumer.hpp"
#include "core/log.hpp"
#include "redis/consumer_reader.hpp"
#include "redis/shard.hpp"

namespace sb {

stream_consumer_actor consumer_state::consumer_of(const std::string& key) {
  auto& a = streams[key];
  if (a)
    return a;
  auto& s = cfg.settings;
  auto colon = key.rfind(':');
  auto plugin = cfg.plugins ? cfg.plugins->find(key.substr(colon + 1)) : nullptr;
  stream_consumer_config sc{key,
                            s.name,
                            cfg.worker,
                            plugin ? plugin->default_event : std::string{"message"},
                            s.max_attempts,
                            s.retry_delay,
                            s.claim_after,
                            s.timeout};
  auto& reader = readers[shard_of_key(key, readers.size())];
  a = self->spawn<caf::monitored>(stream_consumer, std::move(sc), reader, backend);
  log::info("consumer", s.name, " reads ", key);
  return a;
}

bool consumer_state::forget(const caf::actor_addr& who) {
  for (auto i = streams.begin(); i != streams.end(); ++i)
    if (i->second.address() == who) {
      streams.erase(i);
      return true;
    }
  return false;
}

consumer_actor::behavior_type consumer(consumer_actor::stateful_pointer<consumer_state> self,
                                       consumer_config cfg, backend_actor backend) {
  auto& st = self->state;
  st.self = self;
  st.cfg = std::move(cfg);
  st.backend = std::move(backend);
  auto me = caf::actor_cast<consumer_actor>(self);
  for (auto& ep : st.cfg.shards) {
    consumer_reader_config rc;
    rc.glob = st.cfg.settings.streams;
    rc.group = st.cfg.settings.name;
    rc.worker = st.cfg.worker;
    rc.claim_after = st.cfg.settings.claim_after;
    rc.endpoint = ep;
    rc.timeouts = st.cfg.timeouts;
    st.readers.push_back(spawn_consumer_reader(self->system(), std::move(rc), me));
    self->link_to(st.readers.back());
  }
  self->set_down_handler([&st](caf::down_msg& dm) { st.forget(dm.source); });
  // Exit messages come from its readers (linked) and from whoever stops
  // it. The stream consumers are only monitored (one whose key is gone
  // ends alone), so they are stopped here.
  self->set_exit_handler([self, &st](caf::exit_msg& em) {
    for (auto& [key, a] : st.streams)
      self->send_exit(a, em.reason);
    self->quit(em.reason);
  });
  self->delayed_send(self, st.cfg.settings.claim_after, tick_atom::value);
  return {
    [&st](wake_atom, const std::string& key) {
      st.self->send(st.consumer_of(key), wake_atom::value);
    },
    [self, &st](tick_atom) {
      for (auto& [key, a] : st.streams)
        self->send(a, wake_atom::value);
      self->delayed_send(self, st.cfg.settings.claim_after, tick_atom::value);
    },
  };
}

} // namespace sb
