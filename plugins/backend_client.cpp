#include "plugins/backend_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <optional>
#include <sys/socket.h>
#include <thread>
#include <vector>

namespace sb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct backend_client::io {
  asio::io_context ctx{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(ctx);
  std::thread thread;
};

namespace {

/// The largest answer a backend may give (catch-up payloads included).
constexpr uint64_t max_answer_bytes = 8 * 1024 * 1024;

class connection;

/// One request on its way. Answered exactly once: by the backend, by an
/// error, or by its deadline, whichever comes first.
struct job {
  job(asio::io_context& ctx, backend_request r, std::function<void(backend_response)> d)
      : req(std::move(r)), done(std::move(d)), deadline(ctx) {}

  void answer(backend_response r) {
    if (answered)
      return;
    answered = true;
    deadline.cancel();
    done(std::move(r));
  }

  backend_request req;
  std::function<void(backend_response)> done;
  asio::steady_timer deadline;
  bool answered = false;
  bool retried = false;
  std::weak_ptr<connection> on; ///< the connection carrying it, closed at the deadline
};

class pool_impl;

/// One keep-alive connection to the backend; carries one job at a time.
class connection : public std::enable_shared_from_this<connection> {
public:
  connection(asio::io_context& ctx, std::weak_ptr<pool_impl> pool, std::string host,
             uint16_t port)
      : stream_(ctx), resolver_(ctx), pool_(std::move(pool)), host_(std::move(host)),
        port_(port) {}

  void run(std::shared_ptr<job> j);
  /// False when the backend closed it while it was idle (a peek says so).
  bool usable();
  /// Ends what it is doing; its handler reports the failure.
  void abort() {
    beast::error_code ignored;
    resolver_.cancel();
    stream_.socket().close(ignored);
  }

private:
  void write();
  void on_connect(const beast::error_code& ec);
  void on_write(const beast::error_code& ec);
  void on_read(const beast::error_code& ec);
  void fail(const beast::error_code& ec, const char* what);

  beast::tcp_stream stream_;
  tcp::resolver resolver_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::weak_ptr<pool_impl> pool_;
  std::string host_;
  uint16_t port_;
  std::shared_ptr<job> job_;
  bool connected_ = false;
  bool reused_ = false; ///< the job went on a connection that served another
};

/// The connections to one backend, and the jobs waiting for one.
class pool_impl final : public backend_pool, public std::enable_shared_from_this<pool_impl> {
public:
  pool_impl(std::shared_ptr<backend_client::io> io, std::string host, uint16_t port, size_t max)
      : io_(std::move(io)), host_(std::move(host)), port_(port), max_(max) {}

  void post(backend_request req, std::function<void(backend_response)> done) override {
    auto j = std::make_shared<job>(io_->ctx, std::move(req), std::move(done));
    asio::post(io_->ctx, [self = shared_from_this(), j] { self->submit(j); });
  }

  void submit(const std::shared_ptr<job>& j) {
    j->deadline.expires_after(j->req.timeout);
    j->deadline.async_wait([j](const beast::error_code& ec) {
      if (ec)
        return; // answered first
      j->answer({0, {}, "no answer within " + std::to_string(j->req.timeout.count()) + " ms"});
      if (auto c = j->on.lock())
        c->abort();
    });
    dispatch(j);
  }

  /// Runs `j` on an idle connection, a new one, or later.
  void dispatch(const std::shared_ptr<job>& j) {
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (c->usable())
        return c->run(j);
      --open_;
    }
    if (open_ < max_) {
      ++open_;
      auto c = std::make_shared<connection>(io_->ctx, weak_from_this(), host_, port_);
      return c->run(j);
    }
    waiting_.push_back(j);
  }

  /// `c` finished a job and may carry the next one.
  void reuse(std::shared_ptr<connection> c) {
    if (auto j = next_waiting())
      return c->run(j);
    idle_.push_back(std::move(c));
  }

  /// A connection closed: its place goes to the next waiting job.
  void lost() {
    --open_;
    if (auto j = next_waiting())
      dispatch(j);
  }

private:
  std::shared_ptr<job> next_waiting() {
    while (!waiting_.empty()) {
      auto j = std::move(waiting_.front());
      waiting_.pop_front();
      if (!j->answered) // else its deadline passed while it waited
        return j;
    }
    return nullptr;
  }

  std::shared_ptr<backend_client::io> io_; ///< first: destroyed after the sockets
  std::string host_;
  uint16_t port_;
  size_t max_;
  size_t open_ = 0;
  std::vector<std::shared_ptr<connection>> idle_;
  std::deque<std::shared_ptr<job>> waiting_;
};

void connection::run(std::shared_ptr<job> j) {
  job_ = std::move(j);
  job_->on = weak_from_this();
  request_ = {http::verb::post, job_->req.target, 11};
  request_.set(http::field::host, host_ + ":" + std::to_string(port_));
  request_.set(http::field::user_agent, "switchboard");
  request_.set(http::field::content_type, "application/json");
  if (!job_->req.authorization.empty())
    request_.set(http::field::authorization, job_->req.authorization);
  request_.keep_alive(true);
  request_.body() = job_->req.body;
  request_.prepare_payload();
  reused_ = connected_;
  if (connected_)
    return write();
  resolver_.async_resolve(
    host_, std::to_string(port_),
    [self = shared_from_this()](const beast::error_code& ec, tcp::resolver::results_type r) {
      if (ec)
        return self->fail(ec, "resolve");
      self->stream_.async_connect(r, [self](const beast::error_code& ec2,
                                            const tcp::endpoint&) { self->on_connect(ec2); });
    });
}

bool connection::usable() {
  char byte;
  auto fd = stream_.socket().native_handle();
  auto n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  // Nothing to read is what an idle keep-alive connection looks like;
  // 0 is the backend's FIN, and bytes nobody asked for are as bad.
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void connection::on_connect(const beast::error_code& ec) {
  if (ec)
    return fail(ec, "connect");
  connected_ = true;
  beast::error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored); // a hook is one small write
  write();
}

void connection::write() {
  http::async_write(stream_, request_,
                    [self = shared_from_this()](const beast::error_code& ec, size_t) {
                      self->on_write(ec);
                    });
}

void connection::on_write(const beast::error_code& ec) {
  if (ec)
    return fail(ec, "write");
  parser_.emplace();
  parser_->body_limit(max_answer_bytes);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](const beast::error_code& ec2, size_t) {
                     self->on_read(ec2);
                   });
}

void connection::on_read(const beast::error_code& ec) {
  if (ec)
    return fail(ec, "read");
  auto res = parser_->release();
  auto j = std::exchange(job_, nullptr);
  bool keep = res.keep_alive() && !res.need_eof();
  j->answer({static_cast<uint16_t>(res.result_int()), std::move(res.body()), {}});
  auto pool = pool_.lock();
  if (!pool)
    return;
  if (keep)
    return pool->reuse(shared_from_this());
  abort();
  connected_ = false;
  pool->lost();
}

void connection::fail(const beast::error_code& ec, const char* what) {
  abort();
  connected_ = false;
  auto j = std::exchange(job_, nullptr);
  auto pool = pool_.lock();
  // A reused connection the backend had closed meanwhile, before it read
  // the request: one more try on a fresh connection.
  bool stale = reused_ && (ec == http::error::end_of_stream || ec == asio::error::eof
                           || ec == asio::error::connection_reset
                           || ec == asio::error::broken_pipe);
  if (pool && j && stale && !j->answered && !j->retried) {
    j->retried = true;
    pool->lost();
    pool->dispatch(j);
    return;
  }
  if (j)
    j->answer({0, {}, std::string{what} + ": " + ec.message()});
  if (pool)
    pool->lost();
}

} // namespace

backend_client::backend_client() : io_(std::make_shared<io>()) {}

backend_client::~backend_client() {
  stop();
}

void backend_client::start() {
  if (!io_->thread.joinable())
    io_->thread = std::thread([io = io_] { io->ctx.run(); });
}

void backend_client::stop() {
  io_->work.reset();
  io_->ctx.stop();
  if (io_->thread.joinable())
    io_->thread.join();
}

std::shared_ptr<backend_pool> backend_client::pool(const std::string& host, uint16_t port,
                                                   size_t max_connections) {
  return std::make_shared<pool_impl>(io_, host, port, max_connections);
}

} // namespace sb
