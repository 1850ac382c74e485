// A plugin library built against a plugin API version this server does
// not have: start-up must refuse it, naming the file.

#include <switchboard/plugin.hpp>

namespace {

std::unique_ptr<switchboard::plugin> make_nothing(switchboard::context&) {
  return nullptr;
}

const switchboard::plugin_def defs[] = {{"future", "message", make_nothing}};
const switchboard::module future{SWITCHBOARD_PLUGIN_API_VERSION + 1, 1, defs};

} // namespace

extern "C" __attribute__((visibility("default"))) const switchboard::module*
switchboard_plugin_module() {
  return &future;
}
