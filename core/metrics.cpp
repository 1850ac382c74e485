#include "core/metrics.hpp"

#include <sstream>

#include "core/process_metrics.hpp"

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

void metrics::socket_closed(uint16_t code) {
  std::lock_guard<std::mutex> guard{mutex_};
  ++closes_[code];
}

void metrics::command(const std::string& plugin, const std::string& event) {
  // Event names come from clients: cap the label set so that a client cannot
  // grow the exposition without bound.
  constexpr size_t max_series = 200;
  std::lock_guard<std::mutex> guard{mutex_};
  auto key = std::make_pair(plugin, event);
  auto i = commands_.find(key);
  if (i == commands_.end() && commands_.size() >= max_series)
    i = commands_.try_emplace({plugin, "_other"}).first;
  else if (i == commands_.end())
    i = commands_.try_emplace(key).first;
  ++i->second;
}

void metrics::backend_request(const std::string& plugin, const std::string& outcome) {
  std::lock_guard<std::mutex> guard{mutex_};
  ++backend_requests_[{plugin, outcome}]; // plugin names come from the configuration
}

void metrics::cluster_links(const std::string& node, int64_t delta) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& n = cluster_links_[node]; // node addresses come from the cluster, a few per master
  n += delta;
  if (n <= 0)
    cluster_links_.erase(node);
}

void metrics::broker_latency(std::chrono::nanoseconds elapsed) {
  auto seconds = std::chrono::duration<double>(elapsed).count();
  size_t b = 0;
  while (b < latency_bounds.size() && seconds > latency_bounds[b])
    ++b;
  latency_buckets_[b].fetch_add(1, std::memory_order_relaxed);
  latency_sum_ns_.fetch_add(static_cast<uint64_t>(elapsed.count()), std::memory_order_relaxed);
}

namespace {

/// Escapes a label value for the text format.
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

} // namespace

void metrics::set_build_info(std::string version, std::string revision) {
  std::lock_guard<std::mutex> guard{mutex_};
  version_ = std::move(version);
  revision_ = std::move(revision);
}

std::string metrics::render() const {
  std::ostringstream out;
  emit(out, "sockets_open", "gauge", "Open WebSockets.", sockets_open);
  emit(out, "sockets_opened_total", "counter", "WebSockets accepted.", sockets_opened);
  emit(out, "topics", "gauge", "Live topics (keys with members on this node).", topics);
  emit(out, "broker_channels", "gauge", "Pub-sub channels subscribed.", channels);
  emit(out, "broker_stream_keys", "gauge", "Stream keys the listener reads.", stream_keys);
  emit(out, "broker_reconnects_total", "counter", "Reconnects to the broker.",
       broker_reconnects);
  emit(out, "redis_failovers_total", "counter",
       "Sentinel failovers this node followed (the primary's address changed).",
       redis_failovers);
  emit(out, "redis_wait_short_total", "counter",
       "Stream appends fewer replicas confirmed than redis.wait-replicas (answered unavailable).",
       redis_wait_short);
  emit(out, "redis_slot_map_refreshes_total", "counter",
       "Redis Cluster slot maps read (CLUSTER SLOTS), at start and after a change.",
       redis_slot_refreshes);
  emit(out, "redis_redirects_total", "counter", "Redis Cluster MOVED and ASK replies followed.",
       redis_redirects);
  // The unit comes last, before _total (Prometheus naming); these were
  // frames_in_total, frames_out_total, bytes_in_total and bytes_out_total.
  emit(out, "received_frames_total", "counter", "WebSocket messages received.", frames_in);
  emit(out, "sent_frames_total", "counter", "WebSocket messages sent.", frames_out);
  emit(out, "received_bytes_total", "counter",
       "WebSocket bytes received (frame headers included).", bytes_in);
  emit(out, "sent_bytes_total", "counter", "WebSocket bytes sent (frame headers included).",
       bytes_out);
  emit(out, "slow_consumer_closes_total", "counter", "Sockets closed with 4008.",
       slow_consumers);
  emit(out, "rate_limited_total", "counter", "Commands dropped by the rate limiter.",
       rate_limited);
  emit(out, "subscribed_specs_total", "counter",
       "Plugin specs added to open sockets by subscribe.", specs_subscribed);
  emit(out, "unsubscribed_specs_total", "counter",
       "Plugin specs removed from open sockets by unsubscribe.", specs_unsubscribed);
  render_process_metrics(out);
  std::lock_guard<std::mutex> guard{mutex_};
  out << "# HELP switchboard_build_info The running version; the value is always 1.\n"
      << "# TYPE switchboard_build_info gauge\n"
      << "switchboard_build_info{version=\"" << label(version_) << "\",revision=\""
      << label(revision_) << "\"} 1\n";
  out << "# HELP switchboard_sockets_closed_total WebSockets closed, by close code.\n"
      << "# TYPE switchboard_sockets_closed_total counter\n";
  for (auto& [code, n] : closes_)
    out << "switchboard_sockets_closed_total{code=\"" << code << "\"} " << n << '\n';
  out << "# HELP switchboard_redis_cluster_connections Connections to each Redis Cluster "
         "node, by node.\n"
      << "# TYPE switchboard_redis_cluster_connections gauge\n";
  for (auto& [node, n] : cluster_links_)
    out << "switchboard_redis_cluster_connections{node=\"" << label(node) << "\"} " << n << '\n';
  out << "# HELP switchboard_commands_total Client commands, by plugin and event.\n"
      << "# TYPE switchboard_commands_total counter\n";
  for (auto& [k, n] : commands_)
    out << "switchboard_commands_total{plugin=\"" << label(k.first) << "\",event=\""
        << label(k.second) << "\"} " << n << '\n';
  out << "# HELP switchboard_backend_requests_total Hooks proxy plugins sent to their "
         "backend, by plugin and outcome.\n"
      << "# TYPE switchboard_backend_requests_total counter\n";
  for (auto& [k, n] : backend_requests_)
    out << "switchboard_backend_requests_total{plugin=\"" << label(k.first) << "\",outcome=\""
        << k.second << "\"} " << n << '\n';
  out << "# HELP switchboard_broker_command_seconds Broker command latency.\n"
      << "# TYPE switchboard_broker_command_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t b = 0; b < latency_bounds.size(); ++b) {
    cumulative += latency_buckets_[b].load(std::memory_order_relaxed);
    out << "switchboard_broker_command_seconds_bucket{le=\"" << latency_bounds[b] << "\"} "
        << cumulative << '\n';
  }
  cumulative += latency_buckets_.back().load(std::memory_order_relaxed);
  out << "switchboard_broker_command_seconds_bucket{le=\"+Inf\"} " << cumulative << '\n'
      << "switchboard_broker_command_seconds_sum "
      << static_cast<double>(latency_sum_ns_.load()) / 1e9 << '\n'
      // The count is the +Inf bucket as read here: a separate counter could
      // be read a moment apart and disagree with it, which Prometheus forbids.
      << "switchboard_broker_command_seconds_count " << cumulative << '\n';
  return out.str();
}

} // namespace sb
