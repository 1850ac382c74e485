#pragma once
// One upgraded WebSocket on a plain TCP socket (Beast parses the HTTP
// upgrade only). Owns the socket, its timers and the hand-off in both
// directions: bytes read go through the reader (net/ws_reader) and the
// messages it finds to the socket's message_handler; frames that actors
// queue through frame_sink (net/send_queue) go out many per syscall.
// Idle sockets own no read buffer: reads wait for readiness and use one
// buffer per thread. The descriptor leaves asio at the upgrade and is
// watched by the loop's poller (net/poller), which costs an idle socket
// nothing on the heap. Runs on one io_loop (one thread); actors only touch
// the queue and the user id, both guarded.
//
// Closing (docs/protocol-notes.md, "Closing"): on the peer's Close or a
// protocol error the session stops reading and tells the handler, which
// finishes what it was given; the session's own Close goes out after the
// replies, or when the close timer fires. After sending the Close that
// ends a handshake the peer started, or one that fails the connection, it
// half-closes and reads nothing but the peer's end of the connection.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sys/socket.h>
#include <atomic>
#include <memory>
#include <string>

#include "core/frame.hpp"
#include "net/message_handler.hpp"
#include "net/send_queue.hpp"
#include "net/server.hpp"
#include "net/timer_wheel.hpp"
#include "net/ws_reader.hpp"

namespace sb {

class io_loop;
class server;

class websocket_session : public frame_sink,
                          private ws::reader_handler,
                          private timer_wheel::entry,
                          private poller::watcher,
                          public std::enable_shared_from_this<websocket_session> {
public:
  /// Takes the descriptor out of asio (the loop's poller watches it).
  websocket_session(boost::asio::ip::tcp::socket&& socket, server& srv);
  ~websocket_session() override;

  /// Answers the upgrade (`client_key` is Sec-WebSocket-Key); `early` holds
  /// bytes the client sent after its request.
  void run(upgrade_info info, std::string_view client_key, std::string early);

  // --- frame_sink: called by actors, from any thread ---
  void send(frame_ptr frame) override;
  void close(uint16_t code, std::string reason) override;
  void consumed() override;
  void identify(std::shared_ptr<const socket_identity> who) override;
  void expire_after(std::chrono::seconds after) override;
  sink_report report() const override;

  /// The socket id; fixed before the connection actor exists.
  const std::string& id() const { return id_; }
  /// The user set by identify(), or "".
  std::string user();
  /// Outgoing bytes not yet written (any thread).
  size_t queued_bytes() const { return queue_.queued_bytes(); }

  /// After the io threads stopped: tells the handler the socket is gone if
  /// it has not heard so yet, so that no actor waits forever.
  void abandon();

private:
  friend class io_loop; // flushes the sessions it batches, maybe one io_uring send for many

  /// What reading does now.
  enum class reading : uint8_t {
    frames,  ///< frames go through the reader
    stopped, ///< the peer closed or failed: nothing more is read
    linger,  ///< our last frame is out: discard bytes until the peer's EOF
  };

  // --- opening ---
  bool write_handshake(std::string_view client_key);
  void open(const upgrade_info& info, const std::string& early);

  // --- reading ---
  void on_ready(uint32_t events) override; // poller::watcher
  void wait_readable();
  void read_or_pause();
  void on_readable();
  void consume(const uint8_t* data, size_t size);

  // --- ws::reader_handler: what the reader found ---
  void on_message(std::string payload, bool binary) override;
  void on_ping(std::string_view payload) override;
  void on_pong(std::string_view payload) override;
  void on_close(uint16_t code, std::string_view reason) override;
  void on_error(uint16_t code, const char* reason) override;
  void hand_over(uint16_t code, std::string reason);

  // --- writing ---
  void request_flush();
  void flush();
  bool take_queued();
  void do_write();
  bool next_batch(msghdr& msg, iovec* iov, size_t& total);
  bool written(int result, size_t total);
  int native_handle() { return fd_; }
  void all_written();
  void wait_writable();

  // --- closing and keepalive ---
  void linger();
  /// The keepalive or close timer, on the loop's wheel; replaces the one set.
  void arm_timer(std::chrono::milliseconds after);
  void fire() override; // timer_wheel::entry
  void on_timer();
  void finish(uint16_t code);

  int fd_ = -1; ///< the socket, closed by finish()
  server& server_;
  io_loop& loop_;
  /// Held while the timer is set, as a pending asio wait would: a closing
  /// socket whose actor let go lives until its close timer.
  std::shared_ptr<websocket_session> timer_hold_;
  std::unique_ptr<boost::asio::steady_timer> expiry_; ///< only with a token
  std::string id_;
  std::string remote_;    ///< the peer's address:port, for logs and ctl
  /// For ctl's age column.
  std::chrono::steady_clock::time_point accepted_ = std::chrono::steady_clock::now();
  handler_ptr handler_;
  ws::reader reader_;
  send_queue queue_;
  std::atomic<uint32_t> unprocessed_{0}; ///< messages the handler has not handled
  std::atomic<bool> paused_{false};      ///< reading stopped for back-pressure
  /// Set once by the connection, read by disconnects from any thread: an
  /// atomically swapped pointer costs a socket less than a mutex would.
  std::shared_ptr<const socket_identity> who_;

  // --- loop thread only ---
  reading reading_ = reading::frames;
  bool write_waiting_ = false; ///< the socket buffer is full: waiting to write
  bool output_watched_ = false; ///< the poller reports when it can write
  bool read_waiting_ = false;  ///< reading waits for bytes (an edge)
  bool readable_ = false;      ///< an edge came and no short read since
  bool input_ended_ = false;   ///< the peer's end (or an error) was signalled
  bool open_ = false;          ///< the 101 went out; frames may follow
  bool awaiting_pong_ = false;
  bool heard_ = false;         ///< bytes arrived since the last ping
  bool close_requested_ = false; ///< our close frame is decided (queued behind the rest)
  bool peer_closed_ = false;   ///< the client's close frame arrived
  bool failed_ = false;        ///< the client broke the protocol
  uint16_t final_code_ = 0;    ///< the code reported when the socket ends
  bool finished_ = false;
  bool counted_ = false;       ///< counted in sockets_open
};

} // namespace sb
