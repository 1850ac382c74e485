#include "net/websocket_session.hpp"

#include <boost/asio/post.hpp>
#include <caf/send.hpp>

#include "actors/log.hpp"
#include "actors/metrics.hpp"
#include "actors/messages.hpp"
#include "net/server.hpp"

namespace sb {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;

namespace {

constexpr uint16_t abnormal_close = 1006;
constexpr size_t idle_buffer_bytes = 4096;
constexpr size_t read_chunk_bytes = 16 * 1024;

} // namespace

websocket_session::websocket_session(asio::ip::tcp::socket&& socket, server& srv)
  : ws_(std::move(socket)), server_(srv), timer_(ws_.get_executor()) {
}

// Sessions can outlive the server object (an actor may hold the sink for a
// moment after shutdown), so the destructor does not touch server_.
websocket_session::~websocket_session() = default;

void websocket_session::run(request req) {
  auto& cfg = server_.config();
  id_ = server_.next_socket_id();
  target_ = std::string{req.target()};
  websocket::stream_base::timeout opt{cfg.handshake_timeout, websocket::stream_base::none(),
                                      false};
  ws_.set_option(opt);
  // Unlimited for Beast: on_read enforces limits.frame-size itself.
  ws_.read_message_max(0);
  ws_.auto_fragment(false);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::server, "switchboard");
  }));
  ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong)
      heard_ = true;
  });
  server_.add(shared_from_this());
  ws_.async_accept(req, [self = shared_from_this()](auto ec) { self->on_accept(ec); });
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) {
    log::debug("websocket", "upgrade failed: ", ec.message());
    finished_ = true;
    server_.remove(this);
    return;
  }
  log::info("websocket", "socket ", id_, " opened");
  count(metrics::global().sockets_open, 1);
  count(metrics::global().sockets_opened);
  counted_ = true;
  conn_ = server_.spawn_connection(target_, shared_from_this(), id_);
  arm_timer(server_.config().ping_interval);
  do_read();
}

// --- reading -----------------------------------------------------------------------

void websocket_session::do_read() {
  reading_ = true;
  ws_.async_read_some(buffer_, read_chunk_bytes, [self = shared_from_this()](auto ec, size_t n) {
    self->on_read(ec, n);
  });
}

void websocket_session::on_read(beast::error_code ec, size_t) {
  reading_ = false;
  if (ec) {
    uint16_t code = abnormal_close;
    if (close_started_ || teardown_code_)
      code = teardown_code_ ? teardown_code_ : close_code_;
    else if (ec == websocket::error::closed)
      code = ws_.reason().code;
    else if (ec == websocket::error::bad_frame_payload)
      code = 1007; // invalid UTF-8 in a text frame; Beast sent the close
    return finish(code);
  }
  heard_ = true;
  if (buffer_.size() > server_.config().max_frame_bytes) {
    // The size check is ours, not Beast's: our close handshake reads and
    // discards the rest of the message, so the client gets the 1009 close
    // frame instead of a reset connection. Reading stops here.
    buffer_.consume(buffer_.size());
    buffer_.shrink_to_fit();
    return close(1009, "Message too big");
  }
  if (!ws_.is_message_done())
    return do_read();
  count(metrics::global().frames_in);
  count(metrics::global().bytes_in, buffer_.size());
  caf::anon_send(conn_, frame_atom::value, beast::buffers_to_string(buffer_.data()),
                 ws_.got_binary());
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > idle_buffer_bytes)
    buffer_.shrink_to_fit(); // one large frame must not cost an idle socket forever
  do_read();
}

// --- the queue: filled by actors, drained on the strand --------------------------------

void websocket_session::send(frame_ptr frame) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (closing_)
    return;
  queued_bytes_ += frame->size();
  if (queued_bytes_ > server_.config().max_queue_bytes) {
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
  // Called with mutex_ held. One post covers every frame queued until the
  // strand runs it, so a burst costs one handler, not one per frame.
  if (flush_posted_)
    return;
  flush_posted_ = true;
  asio::post(ws_.get_executor(), [self = shared_from_this()] { self->flush(); });
}

void websocket_session::flush() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    flush_posted_ = false;
    if (discard_) {
      outbox_.resize(next_ + (writing_ ? 1 : 0)); // keep only the frame in flight
    } else {
      outbox_.insert(outbox_.end(), std::make_move_iterator(inbox_.begin()),
                     std::make_move_iterator(inbox_.end()));
    }
    inbox_.clear();
    if (closing_ && !close_requested_) {
      close_requested_ = true;
      if (discard_)
        log::warning("websocket", "socket ", id_, " is a slow consumer, closing");
      // A peer that never reads would hold the close forever: bound it.
      arm_timer(server_.config().shutdown_drain);
    }
  }
  if (finished_)
    return;
  if (!writing_)
    do_write();
}

void websocket_session::do_write() {
  if (next_ < outbox_.size()) {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(*outbox_[next_]),
                    [self = shared_from_this()](auto ec, size_t n) { self->on_write(ec, n); });
    return;
  }
  outbox_.clear();
  next_ = 0;
  maybe_begin_close();
}

void websocket_session::on_write(beast::error_code ec, size_t) {
  writing_ = false;
  if (ec)
    return; // the read side sees the failure too and finishes
  auto size = outbox_[next_]->size();
  count(metrics::global().frames_out);
  count(metrics::global().bytes_out, size);
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (!discard_)
      queued_bytes_ -= size;
  }
  outbox_[next_++].reset();
  do_write();
}

// --- closing ----------------------------------------------------------------------------

void websocket_session::maybe_begin_close() {
  if (!close_requested_ || close_started_ || writing_ || pinging_ || finished_)
    return;
  close_started_ = true;
  websocket::close_reason reason;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    reason.code = close_code_;
    reason.reason = close_reason_;
  }
  ws_.async_close(reason, [self = shared_from_this()](auto ec) { self->on_close(ec); });
}

void websocket_session::on_close(beast::error_code ec) {
  if (ec && ec != asio::error::operation_aborted)
    log::debug("websocket", "socket ", id_, " close failed: ", ec.message());
  // With a read pending, its completion finishes the session; otherwise
  // (we stopped reading, e.g. after an oversized frame) this does.
  if (!reading_)
    finish(teardown_code_ ? teardown_code_ : close_code_);
}

void websocket_session::teardown(uint16_t code, const char* why) {
  if (finished_)
    return;
  log::info("websocket", "socket ", id_, " torn down: ", why);
  teardown_code_ = code;
  beast::error_code ignored;
  ws_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  ws_.next_layer().close(ignored);
}

void websocket_session::finish(uint16_t code) {
  if (finished_)
    return;
  finished_ = true;
  timer_.cancel();
  {
    std::lock_guard<std::mutex> guard{mutex_};
    closing_ = true;
    inbox_.clear();
  }
  outbox_.clear();
  log::info("websocket", "socket ", id_, " closed ", code);
  if (counted_)
    count(metrics::global().sockets_open, -1);
  caf::anon_send(conn_, closed_atom::value, code);
  conn_ = nullptr;
  server_.remove(this);
}

void websocket_session::abandon() {
  finish(abnormal_close);
}

// --- keepalive: ping every interval, expect a sign of life within the timeout ----------

void websocket_session::arm_timer(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this()](auto ec) { self->on_timer(ec); });
}

void websocket_session::on_timer(beast::error_code ec) {
  if (ec == asio::error::operation_aborted || finished_)
    return;
  auto& cfg = server_.config();
  if (close_requested_)
    return teardown(close_code_, "close did not complete in time");
  if (awaiting_pong_ && !heard_)
    return teardown(abnormal_close, "no pong");
  if (awaiting_pong_) {
    awaiting_pong_ = false;
    auto rest = cfg.ping_interval > cfg.pong_timeout ? cfg.ping_interval - cfg.pong_timeout
                                                     : cfg.ping_interval;
    return arm_timer(rest);
  }
  send_ping();
  arm_timer(cfg.pong_timeout);
}

void websocket_session::send_ping() {
  heard_ = false;
  awaiting_pong_ = true;
  if (pinging_)
    return;
  pinging_ = true;
  ws_.async_ping({}, [self = shared_from_this()](auto) {
    self->pinging_ = false;
    self->maybe_begin_close();
  });
}

} // namespace sb
