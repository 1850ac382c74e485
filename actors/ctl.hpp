#pragma once
// `switchboard ctl`: connects to a running node's admin actor through CAF's
// middleman (admin.host:admin.port), asks one question and prints the
// answer (actors/ctl_format). It never hangs: whatever the node does, it
// exits within --timeout (5 s by default) with a one-line error.

#include <string>
#include <vector>

namespace sb {

/// The exit status: 0 done, 1 the node did not answer or refused, 2 usage.
int run_ctl(const std::vector<std::string>& args);

} // namespace sb
