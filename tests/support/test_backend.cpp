#include "tests/support/test_backend.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <sys/socket.h>

namespace sb::test {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using nlohmann::json;

test_backend::test_backend(std::string api_key)
    : key_(std::move(api_key)), acceptor_(ioc_, tcp::endpoint{tcp::v4(), 0}) {
  port_ = acceptor_.local_endpoint().port();
  handler_ = [](const json&) { return backend_answer{}; };
  acceptor_thread_ = std::thread([this] { accept_loop(); });
}

test_backend::~test_backend() {
  stop();
}

void test_backend::set_handler(handler h) {
  std::lock_guard<std::mutex> guard{mutex_};
  handler_ = std::move(h);
}

std::vector<json> test_backend::hooks() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return hooks_;
}

namespace {

size_t count_of(const std::vector<json>& all, const std::string& hook, const std::string& stream) {
  size_t n = 0;
  for (auto& h : all)
    n += h.value("hook", "") == hook && h.value("stream", "") == stream;
  return n;
}

} // namespace

std::vector<json> test_backend::hooks(const std::string& hook, const std::string& stream) const {
  std::vector<json> out;
  for (auto& h : hooks())
    if (h.value("hook", "") == hook && h.value("stream", "") == stream)
      out.push_back(h);
  return out;
}

bool test_backend::wait_for(const std::string& hook, const std::string& stream, size_t n,
                            std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock{mutex_};
  return hooked_.wait_for(lock, timeout, [&] { return count_of(hooks_, hook, stream) >= n; });
}

bool test_backend::wait_until(const std::function<bool(const std::vector<json>&)>& done,
                              std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock{mutex_};
  return hooked_.wait_for(lock, timeout, [&] { return done(hooks_); });
}

void test_backend::accept_loop() {
  for (;;) {
    auto socket = std::make_shared<tcp::socket>(ioc_);
    boost::system::error_code ec;
    acceptor_.accept(*socket, ec);
    if (ec || stopped_)
      return;
    ++connections_;
    std::lock_guard<std::mutex> guard{mutex_};
    sockets_.push_back(socket);
    threads_.emplace_back([this, socket] { serve(socket); });
  }
}

void test_backend::serve(std::shared_ptr<tcp::socket> socket) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    boost::system::error_code ec;
    http::read(*socket, buffer, req, ec);
    if (ec)
      return;
    http::response<http::string_body> res;
    res.version(11);
    res.set(http::field::content_type, "application/json");
    if (req[http::field::authorization] != "Bearer " + key_) {
      ++unauthorized_;
      res.result(http::status::unauthorized);
      res.body() = R"({"error":"wrong key"})";
    } else {
      auto hook = json::parse(req.body(), nullptr, false);
      handler h;
      {
        std::lock_guard<std::mutex> guard{mutex_};
        hooks_.push_back(hook);
        h = handler_;
      }
      hooked_.notify_all();
      auto answer = h(hook);
      std::this_thread::sleep_for(answer.delay);
      res.result(answer.status);
      res.body() = answer.body;
    }
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    http::write(*socket, res, ec);
    if (ec || !req.keep_alive() || stopped_)
      return;
  }
}

void test_backend::stop() {
  if (stopped_.exchange(true))
    return;
  boost::system::error_code ec;
  // Wakes the blocked accept(); closing the acceptor alone does not.
  ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
  acceptor_.close(ec);
  acceptor_thread_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& s : sockets_)
      ::shutdown(s->native_handle(), SHUT_RDWR);
    threads = std::move(threads_);
  }
  for (auto& t : threads)
    t.join();
}

} // namespace sb::test
