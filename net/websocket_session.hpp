#pragma once
// One upgraded WebSocket, framed by us on a plain TCP socket (Beast parses
// the HTTP upgrade only). Reads frames and hands each message to its
// connection actor; writes the frames actors queue through frame_sink,
// many per syscall (gathered writes of shared, pre-framed buffers). Idle
// sockets own no read buffer: reads wait for readiness and use one buffer
// per thread. One write in flight, a queue bounded in bytes (excess: 4008),
// ping/pong keepalive, 1009 for oversized messages, 1002/1007 for protocol
// and UTF-8 errors. Socket work runs on its loop thread; actors only touch the
// mutex-guarded inbox. Each session lives on one io_loop (one thread).

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <caf/actor.hpp>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/frame.hpp"
#include "net/server.hpp"

namespace sb {

class io_loop;
class server;

class websocket_session : public frame_sink,
                          public std::enable_shared_from_this<websocket_session> {
public:
  websocket_session(boost::asio::ip::tcp::socket&& socket, server& srv);
  ~websocket_session() override;

  /// Answers the upgrade (`client_key` is Sec-WebSocket-Key); `early` holds
  /// bytes the client sent after its request.
  void run(upgrade_info info, std::string_view client_key, std::string early);

  // --- frame_sink: called by actors, from any thread ---
  void send(frame_ptr frame) override;
  void close(uint16_t code, std::string reason) override;
  void consumed() override;
  void identify(std::string user_id) override;
  void expire_after(std::chrono::seconds after) override;

  /// The socket id; fixed before the connection actor exists.
  const std::string& id() const { return id_; }
  /// The user set by identify(), or "".
  std::string user();

  /// After the io threads stopped: tells the connection actor the socket is
  /// gone if it has not heard so yet, so that no actor waits forever.
  void abandon();

private:
  friend class io_loop; // calls flush() for the sessions it batches

  // --- reading ---
  void on_handshake_written(boost::system::error_code ec, const upgrade_info& info);
  void wait_readable();
  void read_or_pause();
  void on_readable(boost::system::error_code ec);
  void consume(uint8_t* data, size_t size);
  bool on_frame(const ws::frame& f);
  bool on_data(const ws::frame& f);
  void on_close_frame(std::string_view payload);
  void fail(uint16_t code, const char* reason);

  // --- writing ---
  void enqueue(frame_ptr frame);
  void request_flush();
  void flush();
  void do_write();
  void written(size_t bytes);
  void wait_writable();

  // --- closing and keepalive ---
  void start_close();
  void arm_timer(std::chrono::milliseconds after);
  void on_timer(boost::system::error_code ec);
  void finish(uint16_t code);

  boost::asio::ip::tcp::socket socket_;
  server& server_;
  io_loop& loop_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<boost::asio::steady_timer> expiry_; ///< only with a token
  std::string id_;
  std::string remote_;    ///< the peer's address:port, for logs
  caf::actor conn_;
  std::string in_;        ///< bytes of an incomplete frame between reads
  std::string message_;   ///< fragments of a message being assembled
  uint8_t message_op_ = 0;
  uint64_t skip_ = 0;     ///< payload bytes still to discard (after 1009)
  std::string handshake_; ///< the 101 response while it is written
  std::atomic<uint32_t> unprocessed_{0}; ///< messages the actor has not handled
  std::atomic<bool> paused_{false};      ///< reading stopped for back-pressure

  // --- shared with actors, guarded by mutex_ ---
  std::mutex mutex_;
  std::vector<frame_ptr> inbox_;
  std::atomic<size_t> queued_bytes_{0}; ///< queued or being written, not yet sent
  bool flush_posted_ = false;
  bool closing_ = false;    ///< no frame is accepted any more
  bool discard_ = false;    ///< slow consumer: drop what is queued
  uint16_t close_code_ = 0;
  std::string close_reason_;
  std::string user_;

  // --- loop thread only ---
  std::vector<frame_ptr> outbox_;
  size_t next_ = 0;           ///< index in outbox_ of the next frame to write
  size_t offset_ = 0;         ///< bytes of outbox_[next_] already written
  bool write_waiting_ = false; ///< the socket buffer is full: waiting to write
  bool open_ = false;         ///< the 101 went out; frames may follow
  bool awaiting_pong_ = false;
  bool heard_ = false;        ///< a frame arrived since the last ping
  bool close_requested_ = false;
  bool close_sent_ = false;   ///< our close frame is queued
  bool peer_closed_ = false;  ///< the client's close frame arrived
  uint16_t final_code_ = 0;   ///< the code reported when the socket ends
  bool finished_ = false;
  bool counted_ = false;      ///< counted in sockets_open
};

} // namespace sb
