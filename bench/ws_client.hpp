#pragma once
// One client-side WebSocket (RFC 6455) over a non-blocking TCP socket: the
// connect, the HTTP upgrade, masked client frames, unmasked server frames,
// ping/pong and the closing handshake. Owned and polled by a fleet.
//
// Costs: reads land in a scratch buffer shared by every client (one thread),
// and only the tail of an incomplete frame is copied into the client's own
// `carry_`; writes go through `out_`, whose capacity is kept. Once buffers
// have grown to the traffic's size, no frame allocates.

#include <netinet/in.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

class poller;
class ws_client;

/// Syscall and frame counts over every client, to judge the bench's own cost.
struct io_counters {
  uint64_t reads = 0;  ///< read() calls that returned data
  uint64_t frames = 0; ///< server frames parsed
  uint64_t writes = 0; ///< send() calls
};
extern io_counters io;

/// Use the kernel's receive timestamps (SO_TIMESTAMPNS) as the arrival time
/// of frames; false: the time read() returned. Set before connecting.
extern bool kernel_timestamps;

/// Why a socket ended, apart from a closing handshake.
enum class failure : uint8_t { none, connect, handshake, timeout, reset, protocol };

const char* to_string(failure f);

/// How a socket ended; handed to ws_events::on_closed once per connect().
struct close_info {
  uint16_t code = 1006;   ///< from the server's close frame; 1006 without one
  bool by_us = false;     ///< we started the closing handshake
  bool got_close = false; ///< a close frame arrived from the server
  failure why = failure::none;
  int http_status = 0;    ///< when the upgrade was refused
};

/// What a client reports to its owner. Callbacks must not call connect() on
/// the client they are given (the fleet queues reconnects instead).
class ws_events {
public:
  virtual ~ws_events() = default;
  virtual void on_text(ws_client& c, std::string_view payload, uint64_t now) = 0;
  virtual void on_closed(ws_client& c, const close_info& info, uint64_t now) = 0;
};

enum class ws_state : uint8_t { idle, connecting, handshaking, open, closing };

class ws_client {
public:
  ws_client(poller& p, ws_events& events, uint32_t slot);
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// Starts a connection; `request` is the full HTTP upgrade request. Returns
  /// false (and reports nothing) when the socket cannot even be created.
  bool connect(const sockaddr_in& dst, in_addr_t src, std::string_view request,
               uint64_t deadline);
  /// Handles epoll readiness. `scratch` is the shared read buffer.
  void on_poll(uint32_t events, char* scratch, size_t scratch_size, uint64_t now);
  /// Queues a masked text frame and writes as much as the socket takes.
  void send_text(const char* data, size_t size) { send_frame(0x1, data, size); }
  /// Starts the closing handshake; the socket ends when the server answers
  /// or at `deadline`.
  void close(uint16_t code, uint64_t deadline);
  /// Ends a socket whose deadline passed, reporting failure::timeout.
  void expire(uint64_t now);
  /// Closes the descriptor without a handshake or a report.
  void abandon();

  ws_state state() const { return state_; }
  uint32_t slot() const { return slot_; }
  uint64_t token() const { return (uint64_t(gen_) << 32) | slot_; }
  uint64_t deadline() const { return deadline_; }
  void set_deadline(uint64_t d) { deadline_ = d; }
  size_t pending_output() const { return out_.size() - out_off_; }

  /// Owner's bookkeeping: not used by the client itself.
  uint64_t started_ns = 0;
  bool welcomed = false;

private:
  void finish_connect(uint64_t now);
  void read_some(char* scratch, size_t size, uint64_t now);
  ssize_t receive(char* buf, size_t size, uint64_t& arrived);
  size_t consume(char* buf, size_t len, uint64_t now);
  size_t consume_handshake(char* buf, size_t len, uint64_t now);
  void on_frame(uint8_t b0, char* payload, size_t size, uint64_t now);
  void on_close_frame(const char* payload, size_t size, uint64_t now);
  void send_frame(uint8_t opcode, const char* data, size_t size);
  void flush();
  void want_output(bool on);
  void finish(uint64_t now);
  void fail(failure why, uint64_t now);

  poller& poller_;
  ws_events& events_;
  const uint32_t slot_;
  uint32_t gen_ = 0;
  int fd_ = -1;
  ws_state state_ = ws_state::idle;
  bool want_out_ = false;
  uint8_t frag_opcode_ = 0;
  uint32_t mask_seed_;
  uint64_t deadline_ = 0;
  close_info info_;
  std::string out_;   ///< queued output, written from out_off_
  size_t out_off_ = 0;
  std::string carry_; ///< an incomplete frame (or HTTP response) kept between reads
  std::string frag_;  ///< a fragmented message being reassembled
};

} // namespace bench
