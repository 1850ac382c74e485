#include "net/websocket_session.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <sys/socket.h>
#include <sys/uio.h>
#include <caf/send.hpp>

#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "actors/metrics.hpp"
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
/// At most this many frames go into one sendmsg (well under IOV_MAX).
constexpr size_t max_batch = 64;
/// Reading pauses above this many unprocessed messages, resumes at the lower.
constexpr uint32_t pause_above = 256;
constexpr uint32_t resume_at = 64;

/// Empties a frame queue. One that a burst (a `joined` storm, a replay)
/// grew past a few dozen entries gives its memory back: an idle socket
/// should not keep the high-water mark of its busiest moment.
void release_if_large(std::vector<frame_ptr>& queue) {
  if (queue.capacity() > 32)
    std::vector<frame_ptr>{}.swap(queue);
  else
    queue.clear();
}

const frame_ptr& ping_frame() {
  static const frame_ptr f = std::make_shared<const std::string>(ws::encode(ws::op_ping, {}));
  return f;
}

} // namespace

websocket_session::websocket_session(asio::ip::tcp::socket&& socket, server& srv)
  : socket_(std::move(socket)),
    server_(srv),
    loop_(srv.loop_of(socket_.get_executor().context())),
    timer_(socket_.get_executor()) {
  error_code ec;
  remote_ = endpoint_text(socket_.remote_endpoint(ec));
}

// Sessions can outlive the server object (an actor may hold the sink for a
// moment after shutdown), so the destructor does not touch server_.
websocket_session::~websocket_session() = default;

void websocket_session::run(upgrade_info info, std::string_view client_key, std::string early) {
  id_ = server_.next_socket_id();
  in_ = std::move(early);
  handshake_ = ws::switching_response(client_key);
  server_.add(shared_from_this());
  asio::async_write(socket_, asio::buffer(handshake_),
                    [self = shared_from_this(), info = std::move(info)](error_code ec, size_t) {
                      self->on_handshake_written(ec, info);
                    });
}

void websocket_session::on_handshake_written(error_code ec, const upgrade_info& info) {
  handshake_ = std::string{};
  if (ec) {
    finished_ = true;
    server_.remove(this);
    return;
  }
  open_ = true;
  counted_ = true;
  count(metrics::global().sockets_open, 1);
  count(metrics::global().sockets_opened);
  log::info("websocket", log::fields{id_, {}, remote_}, "socket opened");
  socket_.non_blocking(true, ec);
  conn_ = server_.spawn_connection(info, shared_from_this(), id_);
  arm_timer(server_.config().ping_interval);
  if (!in_.empty()) {
    auto early = std::move(in_);
    in_.clear();
    consume(reinterpret_cast<uint8_t*>(early.data()), early.size());
  }
  if (!finished_)
    read_or_pause();
}

// --- reading -----------------------------------------------------------------------

void websocket_session::wait_readable() {
  // No buffer is held while waiting: an idle socket costs no read memory.
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](error_code ec) { self->on_readable(ec); });
}

void websocket_session::on_readable(error_code ec) {
  if (finished_)
    return;
  if (ec)
    return finish(final_code_ ? final_code_ : abnormal_close);
  thread_local std::vector<uint8_t> buffer(read_buffer_bytes);
  auto n = socket_.read_some(asio::buffer(buffer), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again)
    return wait_readable();
  if (ec)
    return finish(final_code_ ? final_code_ : abnormal_close);
  heard_ = true;
  count(metrics::global().bytes_in, n);
  if (in_.empty()) {
    consume(buffer.data(), n);
  } else {
    auto work = std::move(in_);
    in_.clear();
    work.append(reinterpret_cast<const char*>(buffer.data()), n);
    consume(reinterpret_cast<uint8_t*>(work.data()), work.size());
  }
  if (!finished_)
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
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      if (!self->finished_)
        self->wait_readable();
    });
}

void websocket_session::consume(uint8_t* data, size_t size) {
  size_t pos = 0;
  auto max = server_.config().max_frame_bytes;
  while (pos < size && !finished_ && !peer_closed_) {
    if (skip_ > 0) {
      auto k = static_cast<size_t>(std::min<uint64_t>(skip_, size - pos));
      pos += k;
      skip_ -= k;
      continue;
    }
    ws::frame f;
    auto r = ws::parse(data + pos, size - pos, max - std::min(max, message_.size()), f);
    switch (r.status) {
      case ws::parse_status::need_more:
        in_.assign(reinterpret_cast<const char*>(data + pos), size - pos);
        return;
      case ws::parse_status::bad:
        return fail(1002, "Protocol error");
      case ws::parse_status::too_big:
        // The rest of the message is read and dropped, so the client gets
        // our 1009 close frame instead of a reset connection.
        pos += r.consumed;
        skip_ = r.skip;
        message_ = std::string{};
        message_op_ = 0;
        close(1009, "Message too big");
        continue;
      case ws::parse_status::ok:
        pos += r.consumed;
        if (!on_frame(f))
          return;
    }
  }
}

bool websocket_session::on_frame(const ws::frame& f) {
  switch (f.op) {
    case ws::op_ping:
      send(std::make_shared<const std::string>(ws::encode(ws::op_pong, f.payload)));
      return true;
    case ws::op_pong:
      return true;
    case ws::op_close:
      on_close_frame(f.payload);
      return false;
    default:
      return close_requested_ ? true : on_data(f);
  }
}

bool websocket_session::on_data(const ws::frame& f) {
  bool continuation = f.op == ws::op_continuation;
  if (continuation != (message_op_ != 0)) {
    fail(1002, "Protocol error");
    return false;
  }
  if (!continuation && f.fin) {
    message_op_ = f.op;
    message_.assign(f.payload);
  } else {
    if (!continuation)
      message_op_ = f.op;
    message_.append(f.payload);
    if (!f.fin)
      return true;
  }
  bool binary = message_op_ == ws::op_binary;
  message_op_ = 0;
  if (!binary && !ws::valid_utf8(message_)) {
    fail(1007, "Invalid UTF-8");
    return false;
  }
  count(metrics::global().frames_in);
  unprocessed_.fetch_add(1);
  caf::anon_send(conn_, frame_atom::value, std::move(message_), binary);
  message_ = std::string{};
  return true;
}

void websocket_session::on_close_frame(std::string_view payload) {
  peer_closed_ = true;
  if (close_sent_)
    return finish(final_code_); // the reply to our close: handshake done
  uint16_t code = payload.size() >= 2
                    ? static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8)
                                            | static_cast<uint8_t>(payload[1]))
                    : 1005;
  final_code_ = code;
  // Echo the close at once; frames still queued would go to a peer that is
  // leaving, so they are dropped.
  std::lock_guard<std::mutex> guard{mutex_};
  closing_ = true;
  discard_ = true;
  close_code_ = code == 1005 ? 1000 : code;
  inbox_.clear();
  request_flush();
}

void websocket_session::fail(uint16_t code, const char* reason) {
  log::info("websocket", "socket ", id_, " broke the protocol: ", reason);
  close(code, reason);
}

// --- the queue: filled by actors, drained on the loop ----------------------------------

void websocket_session::send(frame_ptr frame) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (closing_)
    return;
  auto queued = queued_bytes_.fetch_add(frame->size(), std::memory_order_relaxed) + frame->size();
  if (queued > server_.config().max_queue_bytes) {
    closing_ = true;
    discard_ = true;
    close_code_ = 4008;
    close_reason_ = "Slow consumer";
    count(metrics::global().slow_consumers);
    inbox_.clear();
  } else {
    inbox_.push_back(std::move(frame));
  }
  request_flush();
}

void websocket_session::identify(std::string user_id) {
  std::lock_guard<std::mutex> guard{mutex_};
  user_ = std::move(user_id);
}

void websocket_session::expire_after(std::chrono::seconds after) {
  // Capped at ten years: asio counts nanoseconds in 64 bits, and a
  // far-future `exp` would wrap around into a timer that fires at once.
  constexpr std::chrono::seconds max_wait{int64_t{10} * 365 * 24 * 3600};
  after = std::min(after, max_wait);
  asio::post(socket_.get_executor(), [self = shared_from_this(), after] {
    if (self->finished_)
      return;
    self->expiry_ = std::make_unique<asio::steady_timer>(self->socket_.get_executor(), after);
    self->expiry_->async_wait([self](error_code ec) {
      if (ec || self->finished_)
        return;
      log::info("websocket", "socket ", self->id_, " closed: its token expired");
      self->close(4401, "Unauthorized");
    });
  });
}

std::string websocket_session::user() {
  std::lock_guard<std::mutex> guard{mutex_};
  return user_;
}

void websocket_session::close(uint16_t code, std::string reason) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (closing_)
    return;
  closing_ = true;
  close_code_ = code;
  close_reason_ = std::move(reason);
  request_flush();
}

void websocket_session::request_flush() {
  // Called with mutex_ held. One flush covers every frame queued until the
  // loop runs it, and the loop flushes every scheduled session in one go.
  if (flush_posted_)
    return;
  flush_posted_ = true;
  loop_.schedule_flush(shared_from_this());
}

void websocket_session::flush() {
  if (finished_)
    return; // a flush scheduled before the socket ended
  {
    std::lock_guard<std::mutex> guard{mutex_};
    flush_posted_ = false;
    if (discard_) {
      // Drop what is queued but finish a frame half written: the close
      // frame must follow whole frames.
      outbox_.resize(next_ + (offset_ > 0 ? 1 : 0));
    } else if (outbox_.empty()) {
      outbox_.swap(inbox_);
    } else {
      outbox_.insert(outbox_.end(), std::make_move_iterator(inbox_.begin()),
                     std::make_move_iterator(inbox_.end()));
    }
    release_if_large(inbox_);
    if (closing_ && !close_requested_) {
      close_requested_ = true;
      if (!final_code_)
        final_code_ = close_code_;
      if (close_code_ == 4008)
        log::warning("websocket", "socket ", id_, " is a slow consumer, closing");
      // A peer that never reads would hold the close forever: bound it.
      arm_timer(server_.config().shutdown_drain);
    }
  }
  if (!finished_ && open_ && !write_waiting_)
    do_write();
}

// Writes straight from the loop thread with one sendmsg per batch: most
// writes complete at once, so they need no asio operation, completion
// handler or allocation; only a full socket buffer waits for writability.
void websocket_session::do_write() {
  while (!finished_) {
    if (next_ == outbox_.size()) {
      release_if_large(outbox_);
      next_ = 0;
      if (close_requested_ && !close_sent_)
        start_close();
      return;
    }
    iovec iov[max_batch];
    size_t count = 0, total = 0;
    for (size_t i = next_; i < outbox_.size() && count < max_batch; ++i, ++count) {
      const std::string& frame = *outbox_[i];
      size_t skip = i == next_ ? offset_ : 0;
      iov[count] = {const_cast<char*>(frame.data()) + skip, frame.size() - skip};
      total += frame.size() - skip;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return wait_writable();
    if (n < 0)
      return finish(final_code_ ? final_code_ : abnormal_close);
    written(size_t(n));
    if (close_sent_ && next_ == outbox_.size()
        && (peer_closed_ || final_code_ == 1002 || final_code_ == 1007)) {
      // Our close frame is out. After the peer's close, or a protocol error,
      // there is nothing to wait for; otherwise the peer's reply ends it.
      return finish(final_code_);
    }
    if (size_t(n) < total)
      return wait_writable();
  }
}

void websocket_session::written(size_t bytes) {
  queued_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  count(metrics::global().bytes_out, bytes);
  size_t frames = 0;
  while (bytes > 0) {
    size_t rest = outbox_[next_]->size() - offset_;
    if (bytes < rest) {
      offset_ += bytes;
      break;
    }
    bytes -= rest;
    offset_ = 0;
    outbox_[next_++].reset();
    ++frames;
  }
  count(metrics::global().frames_out, frames);
}

void websocket_session::wait_writable() {
  write_waiting_ = true;
  socket_.async_wait(asio::ip::tcp::socket::wait_write, [self = shared_from_this()](error_code ec) {
    self->write_waiting_ = false;
    if (self->finished_)
      return;
    if (ec)
      return self->finish(self->final_code_ ? self->final_code_ : abnormal_close);
    self->do_write();
  });
}

// --- closing ----------------------------------------------------------------------------

void websocket_session::start_close() {
  close_sent_ = true;
  std::string reason;
  uint16_t code;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    code = close_code_;
    reason = close_reason_;
  }
  auto frame = std::make_shared<const std::string>(ws::encode_close(code, reason));
  queued_bytes_.fetch_add(frame->size(), std::memory_order_relaxed);
  outbox_.push_back(std::move(frame));
  do_write();
}

void websocket_session::abandon() {
  finish(abnormal_close);
}

void websocket_session::finish(uint16_t code) {
  if (finished_)
    return;
  finished_ = true;
  timer_.cancel();
  if (expiry_)
    expiry_->cancel();
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  {
    std::lock_guard<std::mutex> guard{mutex_};
    closing_ = true;
    inbox_.clear();
  }
  outbox_.clear();
  log::info("websocket", log::fields{id_, user(), remote_, code}, "socket closed");
  if (counted_) {
    count(metrics::global().sockets_open, -1);
    metrics::global().socket_closed(code);
  }
  caf::anon_send(conn_, closed_atom::value, code);
  conn_ = nullptr;
  server_.remove(this);
}

// --- keepalive: ping every interval, expect a sign of life within the timeout ----------

void websocket_session::arm_timer(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this()](error_code ec) { self->on_timer(ec); });
}

void websocket_session::on_timer(error_code ec) {
  if (ec == asio::error::operation_aborted || finished_)
    return;
  auto& cfg = server_.config();
  if (close_requested_) {
    log::info("websocket", "socket ", id_, " did not finish closing in time");
    return finish(final_code_);
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
