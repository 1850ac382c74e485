#include "bench/ws_client.hpp"

#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "bench/clock.hpp"
#include "bench/poller.hpp"

namespace bench {

namespace {

constexpr uint32_t read_events = EPOLLIN | EPOLLRDHUP;
constexpr size_t max_response_bytes = 16 * 1024;

uint16_t be16(const char* p) {
  return uint16_t((uint8_t(p[0]) << 8) | uint8_t(p[1]));
}

uint64_t be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | uint8_t(p[i]);
  return v;
}

} // namespace

io_counters io;
bool kernel_timestamps = true;

const char* to_string(failure f) {
  switch (f) {
    case failure::none: return "none";
    case failure::connect: return "connect";
    case failure::handshake: return "handshake";
    case failure::timeout: return "timeout";
    case failure::reset: return "reset";
    case failure::protocol: return "protocol";
  }
  return "?";
}

ws_client::ws_client(poller& p, ws_events& events, uint32_t slot)
  : poller_(p), events_(events), slot_(slot), mask_seed_(slot * 2654435761u + 1) {
}

ws_client::~ws_client() {
  abandon();
}

// --- connecting ----------------------------------------------------------------------

bool ws_client::connect(const sockaddr_in& dst, in_addr_t src, std::string_view request,
                        uint64_t deadline) {
  ++gen_;
  info_ = close_info{};
  welcomed = false;
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    return false;
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (kernel_timestamps)
    setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
  if (src != 0) {
    // Defer the port choice to connect(): ports are then unique per
    // (source, destination) pair, not per source address.
    setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    from.sin_addr.s_addr = src;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0)
      return abandon(), false;
  }
  int rc = ::connect(fd_, reinterpret_cast<const sockaddr*>(&dst), sizeof dst);
  if ((rc != 0 && errno != EINPROGRESS) || !poller_.add(fd_, read_events | EPOLLOUT, token()))
    return abandon(), false;
  out_.assign(request.data(), request.size());
  out_off_ = 0;
  want_out_ = true;
  state_ = ws_state::connecting;
  deadline_ = deadline;
  return true;
}

void ws_client::finish_connect(uint64_t now) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
    return fail(failure::connect, now);
  state_ = ws_state::handshaking;
  flush(); // the upgrade request
}

void ws_client::on_poll(uint32_t events, char* scratch, size_t scratch_size, uint64_t now) {
  if (state_ == ws_state::connecting) {
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
      finish_connect(now);
    return;
  }
  if ((events & EPOLLOUT) && fd_ >= 0)
    flush();
  if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) && fd_ >= 0)
    read_some(scratch, scratch_size, now);
}

// --- reading -------------------------------------------------------------------------

// One recvmsg(). With SO_TIMESTAMPNS the kernel says when the newest of the
// bytes arrived; `arrived` is then that moment on the monotonic clock, so the
// time the bench took to get round to this socket is not counted as latency.
// (Older bytes in the same read get the newest one's time: an overestimate.)
ssize_t ws_client::receive(char* buf, size_t size, uint64_t& arrived) {
  iovec iov{buf, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd_, &msg, 0);
  arrived = now_ns();
  if (n <= 0)
    return n;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
      continue;
    timespec ts;
    std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
    int64_t stamp = int64_t(ts.tv_sec) * 1000000000 + int64_t(ts.tv_nsec);
    uint64_t mono = uint64_t(stamp - real_minus_mono_ns(arrived));
    if (stamp != 0 && mono <= arrived && arrived - mono < 60 * s_ns) // else: a clock step
      arrived = mono;
  }
  return n;
}

// Reads until the socket is drained (a short read) or 8 full buffers, so one
// busy socket cannot starve the others.
void ws_client::read_some(char* scratch, size_t size, uint64_t now) {
  const uint32_t gen = gen_;
  for (int round = 0; round < 8; ++round) {
    size_t have = carry_.size();
    if (have >= size)
      return fail(failure::protocol, now); // a frame larger than the scratch buffer
    std::memcpy(scratch, carry_.data(), have);
    ssize_t n = receive(scratch + have, size - have, now);
    if (n == 0) {
      if (state_ == ws_state::handshaking)
        return fail(failure::handshake, now);
      if (!info_.got_close && !info_.by_us)
        info_.why = failure::reset; // the server vanished without a close frame
      return finish(now);
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR)
        return;
      return fail(failure::reset, now);
    }
    ++io.reads;
    size_t total = have + size_t(n);
    size_t used = consume(scratch, total, now);
    if (gen != gen_ || fd_ < 0)
      return; // ended (and maybe reused) inside a callback
    carry_.assign(scratch + used, total - used);
    if (size_t(n) < size - have)
      return;
  }
}

size_t ws_client::consume_handshake(char* buf, size_t len, uint64_t now) {
  auto* end = static_cast<char*>(memmem(buf, len, "\r\n\r\n", 4));
  if (!end) {
    if (len > max_response_bytes)
      fail(failure::handshake, now);
    return 0;
  }
  if (len < 12 || std::memcmp(buf, "HTTP/1.1 101", 12) != 0) {
    info_.http_status = len >= 12 ? std::atoi(buf + 9) : 0;
    fail(failure::handshake, now);
    return len;
  }
  state_ = ws_state::open;
  return size_t(end - buf) + 4;
}

// Parses every complete frame in buf; returns the bytes consumed.
size_t ws_client::consume(char* buf, size_t len, uint64_t now) {
  size_t pos = 0;
  if (state_ == ws_state::handshaking) {
    pos = consume_handshake(buf, len, now);
    if (state_ != ws_state::open)
      return pos;
  }
  const uint32_t gen = gen_;
  while (len - pos >= 2 && gen == gen_ && fd_ >= 0) {
    const char* h = buf + pos;
    uint64_t size = uint8_t(h[1]) & 0x7f;
    size_t header = 2;
    if (size == 126) {
      if (len - pos < 4) break;
      size = be16(h + 2), header = 4;
    } else if (size == 127) {
      if (len - pos < 10) break;
      size = be64(h + 2), header = 10;
    }
    bool masked = uint8_t(h[1]) & 0x80;
    header += masked ? 4 : 0;
    if (size > (uint64_t(1) << 30)) {
      fail(failure::protocol, now);
      break;
    }
    if (len - pos < header + size)
      break;
    char* payload = buf + pos + header;
    if (masked)
      for (size_t i = 0; i < size; ++i)
        payload[i] ^= h[header - 4 + (i & 3)];
    pos += header + size;
    ++io.frames;
    on_frame(uint8_t(h[0]), payload, size, now);
  }
  return pos;
}

void ws_client::on_frame(uint8_t b0, char* payload, size_t size, uint64_t now) {
  bool fin = b0 & 0x80;
  uint8_t opcode = b0 & 0x0f;
  bool live = state_ == ws_state::open;
  switch (opcode) {
    case 0x0: // continuation
      frag_.append(payload, size);
      if (fin && live && frag_opcode_ == 0x1)
        events_.on_text(*this, frag_, now);
      if (fin)
        frag_.clear();
      break;
    case 0x1:
    case 0x2:
      if (!fin) {
        frag_opcode_ = opcode;
        frag_.assign(payload, size);
      } else if (opcode == 0x1 && live) {
        events_.on_text(*this, {payload, size}, now);
      }
      break;
    case 0x8: return on_close_frame(payload, size, now);
    case 0x9: return send_frame(0xA, payload, size); // pong, same payload
    case 0xA: break;
    default: return fail(failure::protocol, now);
  }
}

// The server's close frame: echo it unless we started the handshake, then
// wait for the server to close the TCP connection (RFC 6455 §7.1.1).
void ws_client::on_close_frame(const char* payload, size_t size, uint64_t now) {
  info_.got_close = true;
  info_.code = size >= 2 ? be16(payload) : 1005;
  if (state_ != ws_state::closing) {
    char echo[2] = {char(info_.code >> 8), char(info_.code)};
    send_frame(0x8, echo, size >= 2 ? 2 : 0);
    state_ = ws_state::closing;
    deadline_ = now + 2 * s_ns;
  }
  if (fd_ >= 0 && pending_output() == 0)
    ::shutdown(fd_, SHUT_WR);
}

// --- writing -------------------------------------------------------------------------

void ws_client::send_frame(uint8_t opcode, const char* data, size_t size) {
  if (fd_ < 0 || (state_ == ws_state::closing && opcode != 0x8))
    return;
  size_t header = 2 + (size < 126 ? 0 : size <= 0xffff ? 2 : 8) + 4;
  size_t old = out_.size();
  out_.resize(old + header + size);
  char* w = &out_[old];
  *w++ = char(0x80 | opcode);
  if (size < 126) {
    *w++ = char(0x80 | size);
  } else if (size <= 0xffff) {
    *w++ = char(0x80 | 126);
    *w++ = char(size >> 8), *w++ = char(size);
  } else {
    *w++ = char(0x80 | 127);
    for (int i = 7; i >= 0; --i)
      *w++ = char(uint64_t(size) >> (8 * i));
  }
  mask_seed_ ^= mask_seed_ << 13, mask_seed_ ^= mask_seed_ >> 17, mask_seed_ ^= mask_seed_ << 5;
  char key[4];
  std::memcpy(key, &mask_seed_, 4);
  std::memcpy(w, key, 4);
  w += 4;
  for (size_t i = 0; i < size; ++i)
    w[i] = char(data[i] ^ key[i & 3]);
  if (!want_out_)
    flush();
}

void ws_client::flush() {
  if (state_ == ws_state::connecting)
    return;
  while (out_off_ < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
    ++io.writes;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        return want_output(true);
      return fail(failure::reset, now_ns());
    }
    out_off_ += size_t(n);
  }
  out_.clear();
  out_off_ = 0;
  want_output(false);
  if (state_ == ws_state::closing && info_.got_close)
    ::shutdown(fd_, SHUT_WR);
}

void ws_client::want_output(bool on) {
  if (want_out_ == on)
    return;
  want_out_ = on;
  poller_.modify(fd_, read_events | (on ? EPOLLOUT : 0u), token());
}

// --- closing -------------------------------------------------------------------------

void ws_client::close(uint16_t code, uint64_t deadline) {
  if (state_ != ws_state::open && state_ != ws_state::handshaking) {
    if (state_ == ws_state::connecting)
      abandon();
    return;
  }
  info_.by_us = true;
  char payload[2] = {char(code >> 8), char(code)};
  send_frame(0x8, payload, 2);
  if (fd_ >= 0) {
    state_ = ws_state::closing;
    deadline_ = deadline;
  }
}

void ws_client::expire(uint64_t now) {
  if (fd_ < 0)
    return;
  if (state_ == ws_state::closing && (info_.got_close || info_.by_us))
    return finish(now); // the handshake was done or started: not a failure
  fail(failure::timeout, now);
}

void ws_client::fail(failure why, uint64_t now) {
  info_.why = why;
  finish(now);
}

void ws_client::finish(uint64_t now) {
  abandon();
  events_.on_closed(*this, info_, now);
}

void ws_client::abandon() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
  state_ = ws_state::idle;
  want_out_ = false;
  out_.clear();
  out_off_ = 0;
  carry_.clear();
  frag_.clear();
}

} // namespace bench
