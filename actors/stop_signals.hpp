#pragma once
// How the long-running commands (serving, `switchboard worker`) learn that
// they should stop: SIGINT and SIGTERM are blocked in every thread, and the
// main thread waits for them with sigwait().

#include <csignal>

namespace sb {

/// Blocks SIGINT/SIGTERM in this thread and every thread it starts later,
/// so that only sigwait() on the returned set receives them. Call it before
/// the actor system starts its threads.
sigset_t block_stop_signals();

} // namespace sb
