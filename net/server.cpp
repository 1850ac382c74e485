#include "net/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <random>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "net/listener.hpp"
#include "net/websocket_session.hpp"

namespace sb {

namespace asio = boost::asio;

namespace {

std::string random_node_id() {
  std::mt19937 rng{std::random_device{}()};
  static constexpr char chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out = "n";
  for (int i = 0; i < 5; ++i)
    out += chars[rng() % 36];
  return out;
}

} // namespace

server::server(std::shared_ptr<const settings> config, connection_spawner spawner)
  : config_(std::move(config)), spawner_(std::move(spawner)), files_(config_->web_root) {
  node_id_ = config_->node_id.empty() ? random_node_id() : config_->node_id;
  for (size_t i = 0; i < std::max<size_t>(1, config_->io_threads); ++i)
    loops_.push_back(std::make_unique<io_loop>());
}

server::~server() {
  if (running_)
    shutdown();
}

io_loop& server::loop_of(const asio::execution_context& ctx) {
  for (auto& loop : loops_)
    if (&loop->context() == &ctx)
      return *loop;
  return *loops_.front();
}

io_loop& server::next_loop() {
  return *loops_[next_loop_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
}

std::error_code server::start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config_->http_host, ec);
  if (ec)
    return ec;
  listener_ = std::make_shared<listener>(*this);
  if (auto err = listener_->open({address, config_->http_port}))
    return err;
  if (config_->metrics_port != 0) {
    auto metrics_address = asio::ip::make_address(config_->metrics_host, ec);
    if (ec)
      return ec;
    metrics_listener_ = std::make_shared<listener>(*this, true);
    if (auto err = metrics_listener_->open({metrics_address, config_->metrics_port}))
      return err;
    metrics_listener_->run();
  }
  listener_->run();
  for (auto& loop : loops_)
    loop->start();
  running_ = true;
  return {};
}

void server::shutdown() {
  if (listener_)
    listener_->stop();
  if (metrics_listener_)
    metrics_listener_->stop();
  std::vector<std::shared_ptr<websocket_session>> open;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& [ptr, weak] : sessions_)
      if (auto s = weak.lock())
        open.push_back(std::move(s));
  }
  log::info("server", "closing ", open.size(), " sockets");
  for (auto& s : open)
    s->close(1001, "Server shutting down");
  open.clear();
  {
    std::unique_lock<std::mutex> guard{mutex_};
    auto deadline = std::chrono::steady_clock::now() + config_->shutdown_drain;
    if (!drained_.wait_until(guard, deadline, [this] { return sessions_.empty(); }))
      log::warning("server", sessions_.size(), " sockets still open after the drain time");
  }
  for (auto& loop : loops_)
    loop->stop();
  running_ = false;
  // No thread runs the sockets any more: finishing them here is safe.
  std::vector<std::shared_ptr<websocket_session>> left;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& [ptr, weak] : sessions_)
      if (auto s = weak.lock())
        left.push_back(std::move(s));
  }
  for (auto& s : left)
    s->abandon();
}

std::string server::next_socket_id() {
  char hex[24];
  std::snprintf(hex, sizeof(hex), "%llx", static_cast<unsigned long long>(++next_id_));
  return node_id_ + "-" + hex;
}

handler_ptr server::spawn_connection(const upgrade_info& info, sink_ptr sink, std::string id) {
  return spawner_(info, std::move(sink), std::move(id));
}

void server::add(const std::shared_ptr<websocket_session>& session) {
  std::lock_guard<std::mutex> guard{mutex_};
  sessions_.emplace(session.get(), session);
}

void server::remove(const websocket_session* session) {
  std::lock_guard<std::mutex> guard{mutex_};
  sessions_.erase(session);
  if (sessions_.empty())
    drained_.notify_all();
}

size_t server::queued_bytes() const {
  size_t total = 0;
  std::lock_guard<std::mutex> guard{mutex_};
  for (auto& [ptr, weak] : sessions_)
    if (auto s = weak.lock())
      total += s->queued_bytes();
  return total;
}

std::string server::metrics_text() const {
  return metrics::global().render()
         + "# HELP switchboard_send_queue_bytes Bytes queued for sockets, not yet written.\n"
           "# TYPE switchboard_send_queue_bytes gauge\n"
           "switchboard_send_queue_bytes "
         + std::to_string(queued_bytes()) + "\n";
}

size_t server::disconnect(const std::string& user, const std::string& socket) {
  return close_sockets(user, socket, 1008, "Disconnected by the server");
}

size_t server::close_sockets(const std::string& user, const std::string& socket, uint16_t code,
                             const std::string& reason) {
  std::vector<std::shared_ptr<websocket_session>> matching;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& [ptr, weak] : sessions_)
      if (auto s = weak.lock())
        if ((!socket.empty() && s->id() == socket) || (!user.empty() && s->user() == user))
          matching.push_back(std::move(s));
  }
  for (auto& s : matching)
    s->close(code, reason);
  return matching.size();
}

} // namespace sb
