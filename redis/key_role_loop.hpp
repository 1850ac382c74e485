#pragma once
// The life of a detached actor that serves one broker role per key (the
// subscriber: subscribe/unsubscribe a channel; the stream listener:
// listen/unlisten a key), on one Redis or a cluster: drain the mailbox,
// then one round of its connection's I/O, until told to stop. Each role's
// file gives the three pieces; this keeps their loops one loop.

#include <caf/all.hpp>
#include <string>

namespace sb {

/// `role.add(key, handle&)` (it may move the handle) answers `AddAtom`
/// messages, `role.remove(key, handle)` takes `RemoveAtom` ones, and
/// `role.step()` waits (briefly) on Redis.
template <class AddAtom, class RemoveAtom, class Handle, class Role>
void key_role_loop(caf::blocking_actor* self, Role& role) {
  bool running = true;
  while (running) {
    while (running && self->has_next_message())
      self->receive(
        [&](AddAtom, const std::string& key, Handle& h) { return role.add(key, h); },
        [&](RemoveAtom, const std::string& key, const Handle& h) { role.remove(key, h); },
        [&](caf::exit_msg&) { running = false; });
    if (running)
      role.step();
  }
}

} // namespace sb
