#pragma once
// One upgraded WebSocket: reads frames and hands them to its connection
// actor, and writes the frames actors queue through the frame_sink
// interface. Everything on the socket runs on its strand; actors only touch
// the mutex-guarded inbox. One write in flight, a queue bounded in bytes
// (excess closes 4008), ping/pong keepalive, 1009 for oversized messages.

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/actor.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/frame.hpp"

namespace sb {

class server;

class websocket_session : public frame_sink,
                          public std::enable_shared_from_this<websocket_session> {
public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  websocket_session(boost::asio::ip::tcp::socket&& socket, server& srv);
  ~websocket_session() override;

  /// Completes the upgrade for `req` and starts reading.
  void run(request req);

  // --- frame_sink: called by actors, from any thread ---
  void send(frame_ptr frame) override;
  void close(uint16_t code, std::string reason) override;

  /// After the io threads stopped: tells the connection actor the socket is
  /// gone if it has not heard so yet, so that no actor waits forever.
  void abandon();

private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, size_t bytes);
  void request_flush();
  void flush();
  void do_write();
  void on_write(boost::beast::error_code ec, size_t bytes);
  void maybe_begin_close();
  void on_close(boost::beast::error_code ec);
  void arm_timer(std::chrono::milliseconds after);
  void on_timer(boost::beast::error_code ec);
  void send_ping();
  void teardown(uint16_t code, const char* why);
  void finish(uint16_t code);

  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  server& server_;
  boost::asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  std::string id_;
  std::string target_;
  caf::actor conn_;

  // --- shared with actors, guarded by mutex_ ---
  std::mutex mutex_;
  std::vector<frame_ptr> inbox_;
  size_t queued_bytes_ = 0; ///< queued or being written, not yet sent
  bool flush_posted_ = false;
  bool closing_ = false;    ///< no frame is accepted any more
  bool discard_ = false;    ///< slow consumer: drop what is queued
  uint16_t close_code_ = 0;
  std::string close_reason_;

  // --- strand only ---
  std::vector<frame_ptr> outbox_;
  size_t next_ = 0;          ///< index in outbox_ of the next frame to write
  bool writing_ = false;
  bool reading_ = false;
  bool pinging_ = false;
  bool awaiting_pong_ = false;
  bool heard_ = false;       ///< a frame or pong arrived since the last ping
  bool close_requested_ = false;
  bool close_started_ = false;
  uint16_t teardown_code_ = 0;
  bool finished_ = false;
  bool counted_ = false;     ///< counted in sockets_open
};

} // namespace sb
