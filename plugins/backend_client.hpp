#pragma once
// The HTTP client of proxy plugins: POSTs JSON to the application's backend
// with Beast, asynchronously, on one io thread of its own, never on an
// actor's thread. Connections to a backend are pooled and kept alive: a
// request takes an idle one, or opens one while fewer than
// `max_connections` are open, or waits in the pool's queue. Each request
// is bounded by its timeout from the moment it is posted to the last byte
// of the answer. The answer comes back through a callback on the io
// thread; the backend actor (plugins/backend) turns it into a message.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/messages.hpp"

namespace sb {

/// Where to POST and with what: one request.
struct backend_request {
  std::string target;        ///< path and query
  std::string body;          ///< JSON
  std::string authorization; ///< the Authorization header; empty: none
  std::chrono::milliseconds timeout{5000};
};

/// The pooled connections to one backend (host and port).
class backend_pool {
public:
  virtual ~backend_pool() = default;
  /// Sends `req`; `done` runs once, on the client's io thread.
  virtual void post(backend_request req, std::function<void(backend_response)> done) = 0;
};

/// The io thread every pool runs on.
class backend_client {
public:
  backend_client();
  ~backend_client();
  backend_client(const backend_client&) = delete;
  backend_client& operator=(const backend_client&) = delete;

  /// Starts the io thread; requests posted before wait for it.
  void start();
  /// Stops the io thread; callbacks not yet run never run.
  void stop();

  /// A pool of connections to `host`:`port`.
  std::shared_ptr<backend_pool> pool(const std::string& host, uint16_t port,
                                     size_t max_connections = 32);

  struct io;

private:
  std::shared_ptr<io> io_;
};

} // namespace sb
