#include "net/websocket_session.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/log.hpp"
#include "core/messages.hpp"
#include "core/metrics.hpp"
#include "net/io_loop.hpp"
#include "net/peer.hpp"
#include "net/server.hpp"
#include "net/ws_handshake.hpp"

namespace sb {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

namespace {

constexpr uint16_t abnormal_close = 1006;
constexpr size_t read_buffer_bytes = 64 * 1024;
/// Reading pauses above this many unprocessed messages, resumes at the lower.
constexpr uint32_t pause_above = 256;
constexpr uint32_t resume_at = 64;

const frame_ptr& ping_frame() {
  static const frame_ptr f = std::make_shared<const std::string>(ws::encode(ws::op_ping, {}));
  return f;
}

} // namespace

websocket_session::websocket_session(asio::ip::tcp::socket&& socket, server& srv)
  : server_(srv),
    loop_(srv.loop_of(socket.get_executor().context())),
    reader_(srv.config().max_frame_bytes),
    queue_(srv.config().max_queue_bytes) {
  error_code ec;
  remote_ = endpoint_text(socket.remote_endpoint(ec));
  fd_ = socket.release(ec);
  if (ec)
    fd_ = -1;
}

// Sessions can outlive the server object (an actor may hold the sink for a
// moment after shutdown), so the destructor does not touch server_.
// An open session is finished before it goes (its timer holds it until
// then, and shutdown abandons the rest), so the poller never points at a
// destroyed one.
websocket_session::~websocket_session() {
  if (fd_ >= 0)
    ::close(fd_); // never opened: finish() closes the others
}

void websocket_session::run(upgrade_info info, std::string_view client_key, std::string early) {
  id_ = server_.next_socket_id();
  server_.add(shared_from_this());
  if (!write_handshake(client_key)) {
    finished_ = true;
    server_.remove(this);
    return;
  }
  open(info, early);
}

// The 101 goes out at once: the socket's buffer is empty, so the kernel
// takes it whole. Should it not, the rest leads the outbox, before any
// frame. Nothing of it is kept once it is written.
bool websocket_session::write_handshake(std::string_view client_key) {
  int flags = fd_ < 0 ? -1 : ::fcntl(fd_, F_GETFL);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK) < 0)
    return false;
  auto response = ws::switching_response(client_key);
  ssize_t n;
  do
    n = ::send(fd_, response.data(), response.size(), MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    return false;
  auto sent = n < 0 ? size_t{0} : size_t(n);
  if (sent < response.size())
    queue_.append(std::make_shared<const std::string>(response.substr(sent)));
  return loop_.readiness().watch(fd_, *this);
}

void websocket_session::open(const upgrade_info& info, const std::string& early) {
  open_ = true;
  counted_ = true;
  count(metrics::global().sockets_open, 1);
  count(metrics::global().sockets_opened);
  log::info("websocket", log::fields{id_, {}, remote_}, "socket opened");
  handler_ = server_.spawn_connection(info, shared_from_this(), id_);
  arm_timer(server_.config().ping_interval);
  if (!queue_.idle()) // the rest of the 101
    do_write();
  if (!early.empty() && !finished_)
    consume(reinterpret_cast<const uint8_t*>(early.data()), early.size());
  if (!finished_ && reading_ == reading::frames)
    read_or_pause();
}

// --- reading -----------------------------------------------------------------------

void websocket_session::on_ready(uint32_t events) {
  auto self = shared_from_this(); // finish() may drop the last other holder
  if (events & (EPOLLRDHUP | EPOLLERR | EPOLLHUP))
    input_ended_ = true;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
    readable_ = true;
    if (read_waiting_) {
      read_waiting_ = false;
      on_readable();
    }
  }
  if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && write_waiting_ && !finished_) {
    write_waiting_ = false;
    do_write();
  }
}

// No buffer is held while waiting: an idle socket costs no read memory.
// Bytes already signalled are read on the next turn of the loop, so one
// busy socket does not hold up the others.
void websocket_session::wait_readable() {
  if (finished_ || read_waiting_)
    return;
  read_waiting_ = true;
  if (readable_)
    asio::post(loop_.context(), [self = shared_from_this()] {
      if (self->read_waiting_) {
        self->read_waiting_ = false;
        self->on_readable();
      }
    });
}

void websocket_session::on_readable() {
  if (finished_)
    return;
  thread_local std::vector<uint8_t> buffer(read_buffer_bytes);
  ssize_t n;
  do
    n = ::recv(fd_, buffer.data(), buffer.size(), 0);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    readable_ = false;
    return wait_readable();
  }
  if (n <= 0) // an error, or end of file: the peer is gone
    return finish(final_code_ ? final_code_ : abnormal_close);
  // A short read took all there was: bytes that come later bring an edge.
  // Not so the peer's end once it came: a read that takes the last bytes
  // also takes the end behind them, and nothing more will signal it.
  if (size_t(n) < buffer.size() && !input_ended_)
    readable_ = false;
  heard_ = true;
  count(metrics::global().bytes_in, n);
  if (reading_ == reading::linger)
    return wait_readable(); // dropped: only the peer's end of file matters now
  consume(buffer.data(), n);
  if (!finished_ && reading_ == reading::frames)
    read_or_pause();
}

void websocket_session::read_or_pause() {
  if (unprocessed_.load() > pause_above) {
    paused_.store(true);
    // The actor may have caught up between the check and the store.
    if (unprocessed_.load() > resume_at || !paused_.exchange(false))
      return;
  }
  wait_readable();
}

void websocket_session::consumed() {
  if (unprocessed_.fetch_sub(1) - 1 <= resume_at && paused_.exchange(false))
    asio::post(loop_.context(), [self = shared_from_this()] {
      if (!self->finished_ && self->reading_ == reading::frames)
        self->wait_readable();
    });
}

void websocket_session::consume(const uint8_t* data, size_t size) {
  reader_.feed(data, size, *this);
}

// --- what the reader found ------------------------------------------------------------

void websocket_session::on_message(std::string payload, bool binary) {
  if (close_requested_)
    return; // our Close is out: data that crosses it is not read (§5.5.1)
  count(metrics::global().frames_in);
  unprocessed_.fetch_add(1);
  handler_->on_message(std::move(payload), binary);
}

void websocket_session::on_ping(std::string_view payload) {
  send(std::make_shared<const std::string>(ws::encode(ws::op_pong, payload)));
}

void websocket_session::on_pong(std::string_view) {
  // Any byte read counts as a sign of life (heard_); an unsolicited pong
  // needs no answer (§5.5.3).
}

void websocket_session::on_close(uint16_t code, std::string_view) {
  peer_closed_ = true;
  reading_ = reading::stopped;
  if (close_requested_) {
    // The reply to our Close (or one that crossed it): once ours is out,
    // the handshake is complete.
    if (queue_.idle())
      finish(final_code_);
    return;
  }
  final_code_ = code;
  hand_over(code == 1005 ? 1000 : code, {});
}

void websocket_session::on_error(uint16_t code, const char* reason) {
  log::info("websocket", "socket ", id_, " broke the protocol: ", reason);
  reading_ = reading::stopped;
  if (close_requested_)
    return finish(final_code_); // we were closing anyway
  failed_ = true;
  final_code_ = code;
  hand_over(code, reason);
}

// Nothing more is read. What was read is still handled: the handler
// finishes it and then calls close(), which sends `code` after the
// replies. The close timer bounds the wait.
void websocket_session::hand_over(uint16_t code, std::string reason) {
  queue_.set_reply(code, std::move(reason));
  arm_timer(server_.config().shutdown_drain);
  handler_->on_peer_closing(code);
}

// --- the queue: filled by actors, drained on the loop ----------------------------------

void websocket_session::send(frame_ptr frame) {
  auto pushed = queue_.push(std::move(frame));
  if (pushed.overflow)
    count(metrics::global().slow_consumers);
  if (pushed.wake)
    request_flush();
}

void websocket_session::close(uint16_t code, std::string reason) {
  if (queue_.close(code, std::move(reason)))
    request_flush();
}

void websocket_session::identify(std::shared_ptr<const socket_identity> who) {
  std::atomic_store(&who_, std::move(who));
}

std::string websocket_session::user() {
  auto who = std::atomic_load(&who_);
  return who ? who->user.id : std::string{};
}

sink_report websocket_session::report() const {
  auto age = std::chrono::steady_clock::now() - accepted_;
  return {remote_, queue_.queued_bytes(),
          static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(age).count())};
}

void websocket_session::expire_after(std::chrono::seconds after) {
  // Capped at ten years: asio counts nanoseconds in 64 bits, and a
  // far-future `exp` would wrap around into a timer that fires at once.
  constexpr std::chrono::seconds max_wait{int64_t{10} * 365 * 24 * 3600};
  after = std::min(after, max_wait);
  asio::post(loop_.context(), [self = shared_from_this(), after] {
    if (self->finished_)
      return;
    self->expiry_ = std::make_unique<asio::steady_timer>(self->loop_.context(), after);
    self->expiry_->async_wait([self](error_code ec) {
      if (ec || self->finished_)
        return;
      log::info("websocket", "socket ", self->id_, " closed: its token expired");
      self->close(4401, "Unauthorized");
    });
  });
}

void websocket_session::request_flush() {
  // One flush covers every frame queued until the loop runs it, and the
  // loop flushes every scheduled session in one go.
  loop_.schedule_flush(shared_from_this());
}

void websocket_session::flush() {
  if (take_queued())
    do_write();
}

// Moves what actors queued to the outbox and answers whether a write may
// start now (none is under way and the socket is open).
bool websocket_session::take_queued() {
  if (finished_)
    return false; // a flush scheduled before the socket ended
  if (auto order = queue_.take()) {
    close_requested_ = true;
    if (!final_code_)
      final_code_ = order->code;
    if (order->code == 4008)
      log::warning("websocket", "socket ", id_, " is a slow consumer, closing");
    queue_.append(std::make_shared<const std::string>(ws::encode_close(order->code,
                                                                       order->reason)));
    // A peer that never reads would hold the close forever: bound it.
    arm_timer(server_.config().shutdown_drain);
    // Reading paused for back-pressure resumes: what arrives now is
    // dropped, but the peer's Close must be seen.
    if (reading_ == reading::frames && paused_.exchange(false))
      wait_readable();
  }
  return open_ && !write_waiting_ && !finished_;
}

// Writes straight from the loop thread with one sendmsg per batch: most
// writes complete at once, so they need no asio operation, completion
// handler or allocation; only a full socket buffer waits for writability.
// The loop may instead send the first batch of many sessions at once
// (io_loop, send_ring) and hand each result to written().
void websocket_session::do_write() {
  for (;;) {
    iovec iov[send_queue::max_iovecs];
    msghdr msg{};
    size_t total = 0;
    if (!next_batch(msg, iov, total))
      return;
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (!written(n < 0 ? -errno : int(n), total))
      return;
  }
}

// Points `msg` at the next frames to write (into `iov`, which holds
// send_queue::max_iovecs); false when there is nothing to write.
bool websocket_session::next_batch(msghdr& msg, iovec* iov, size_t& total) {
  if (finished_)
    return false;
  if (queue_.idle()) {
    all_written();
    return false;
  }
  msg = msghdr{};
  msg.msg_iov = iov;
  msg.msg_iovlen = queue_.gather(iov, send_queue::max_iovecs, total);
  return true;
}

// What sendmsg returned for a batch of `total` bytes (or -errno): whether
// the next batch may be written at once.
bool websocket_session::written(int result, size_t total) {
  if (result == -EINTR)
    return true;
  if (result == -EAGAIN || result == -EWOULDBLOCK) {
    wait_writable();
    return false;
  }
  if (result < 0) {
    finish(final_code_ ? final_code_ : abnormal_close);
    return false;
  }
  count(metrics::global().bytes_out, size_t(result));
  count(metrics::global().frames_out, queue_.written(size_t(result)));
  if (size_t(result) < total) {
    wait_writable();
    return false;
  }
  return true;
}

void websocket_session::all_written() {
  if (!close_requested_)
    return;
  // Our Close is out. After the peer's Close or a protocol error there is
  // nothing more to read; otherwise the peer's reply ends the handshake.
  if (peer_closed_ || failed_)
    linger();
}

// The kernel took part of a batch or none: its buffer is full, and the
// acknowledgements that free it bring an edge.
void websocket_session::wait_writable() {
  write_waiting_ = true;
  if (output_watched_)
    return;
  output_watched_ = true;
  if (!loop_.readiness().watch_output(fd_, *this))
    finish(final_code_ ? final_code_ : abnormal_close);
}

// --- closing ----------------------------------------------------------------------------

// The server ends the TCP connection first (§7.1.1), but closing a socket
// with unread bytes in it sends a reset, which can destroy our Close frame
// in the peer's buffers before it is read. So: send FIN, drop whatever the
// peer still sends, and close at its end of file (or when the timer fires).
void websocket_session::linger() {
  if (reading_ == reading::linger)
    return;
  reading_ = reading::linger;
  ::shutdown(fd_, SHUT_WR);
  wait_readable();
}

void websocket_session::abandon() {
  finish(abnormal_close);
}

void websocket_session::finish(uint16_t code) {
  if (finished_)
    return;
  finished_ = true;
  loop_.timers().cancel(*this);
  auto hold = std::move(timer_hold_); // this lives until the end of finish()
  if (expiry_)
    expiry_->cancel();
  if (fd_ >= 0) {
    loop_.readiness().forget(fd_, *this);
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
  }
  queue_.clear();
  log::info("websocket", log::fields{id_, user(), remote_, code}, "socket closed");
  if (counted_) {
    count(metrics::global().sockets_open, -1);
    metrics::global().socket_closed(code);
  }
  if (handler_) {
    handler_->on_closed(code);
    handler_.reset();
  }
  server_.remove(this);
}

// --- keepalive: ping every interval, expect a sign of life within the timeout ----------

void websocket_session::arm_timer(std::chrono::milliseconds after) {
  if (finished_)
    return;
  if (!timer_hold_)
    timer_hold_ = shared_from_this();
  loop_.timers().schedule(*this, after);
}

void websocket_session::fire() {
  auto self = std::move(timer_hold_);
  on_timer();
}

void websocket_session::on_timer() {
  if (finished_)
    return;
  auto& cfg = server_.config();
  if (close_requested_) {
    log::info("websocket", "socket ", id_, " did not finish closing in time");
    return finish(final_code_);
  }
  if (peer_closed_ || failed_) {
    log::info("websocket", "socket ", id_, " closes before its last messages were handled");
    return close(final_code_, {}); // the reply set by hand_over() is what goes out
  }
  if (awaiting_pong_ && !heard_) {
    log::info("websocket", "socket ", id_, " answered no ping");
    return finish(abnormal_close);
  }
  if (awaiting_pong_) {
    awaiting_pong_ = false;
    auto rest = cfg.ping_interval > cfg.pong_timeout ? cfg.ping_interval - cfg.pong_timeout
                                                     : cfg.ping_interval;
    return arm_timer(rest);
  }
  heard_ = false;
  awaiting_pong_ = true;
  send(ping_frame());
  arm_timer(cfg.pong_timeout);
}

} // namespace sb
