#include "actors/metrics.hpp"

#include <sstream>

namespace sb {

metrics& metrics::global() {
  static metrics instance;
  return instance;
}

namespace {

template <class T>
void emit(std::ostringstream& out, const char* name, const char* type, const char* help,
          const std::atomic<T>& value) {
  out << "# HELP switchboard_" << name << ' ' << help << '\n'
      << "# TYPE switchboard_" << name << ' ' << type << '\n'
      << "switchboard_" << name << ' ' << value.load(std::memory_order_relaxed) << '\n';
}

} // namespace

std::string metrics::render() const {
  std::ostringstream out;
  emit(out, "sockets_open", "gauge", "Open WebSockets.", sockets_open);
  emit(out, "sockets_opened_total", "counter", "WebSockets accepted.", sockets_opened);
  emit(out, "topics", "gauge", "Live topics (keys with members on this node).", topics);
  emit(out, "broker_channels", "gauge", "Pub-sub channels subscribed.", channels);
  emit(out, "broker_stream_keys", "gauge", "Stream keys the listener reads.", stream_keys);
  emit(out, "broker_reconnects_total", "counter", "Reconnects to the broker.",
       broker_reconnects);
  emit(out, "frames_in_total", "counter", "WebSocket messages received.", frames_in);
  emit(out, "frames_out_total", "counter", "WebSocket messages sent.", frames_out);
  emit(out, "bytes_in_total", "counter", "WebSocket bytes received (frame headers included).", bytes_in);
  emit(out, "bytes_out_total", "counter", "WebSocket bytes sent (frame headers included).", bytes_out);
  emit(out, "slow_consumer_closes_total", "counter", "Sockets closed with 4008.",
       slow_consumers);
  return out.str();
}

} // namespace sb
