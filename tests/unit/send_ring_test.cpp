// send_ring: many sendmsg in one submission, each result what sendmsg
// itself would have returned. On socket pairs, with the io_uring build
// (SWITCHBOARD_IO_URING); the tests skip where no ring is made.

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/send_ring.hpp"

namespace sb {
namespace {

struct socket_pair {
  int ours = -1;
  int theirs = -1;
  socket_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0) {
      ours = fds[0];
      theirs = fds[1];
    }
  }
  ~socket_pair() {
    if (ours >= 0)
      ::close(ours);
    if (theirs >= 0)
      ::close(theirs);
  }
  std::string read_all() {
    std::string got;
    char buffer[4096];
    ssize_t n;
    ::fcntl(theirs, F_SETFL, O_NONBLOCK);
    while ((n = ::read(theirs, buffer, sizeof buffer)) > 0)
      got.append(buffer, size_t(n));
    return got;
  }
};

/// Points slot `s` at `parts` for socket `fd`.
void fill(send_ring::slot& s, int fd, std::vector<std::string>& parts) {
  s.fd = fd;
  s.msg = msghdr{};
  for (size_t i = 0; i < parts.size(); ++i)
    s.iov[i] = {parts[i].data(), parts[i].size()};
  s.msg.msg_iov = s.iov;
  s.msg.msg_iovlen = parts.size();
}

#define RING_OR_SKIP(ring)                                       \
  auto ring = send_ring::create();                               \
  if (!ring)                                                     \
    GTEST_SKIP() << "built without SWITCHBOARD_IO_URING, or no ring here"

TEST(send_ring, sends_every_slot_gathered_in_one_run) {
  RING_OR_SKIP(ring);
  constexpr size_t sockets = send_ring::capacity;
  std::vector<socket_pair> pairs(sockets);
  std::vector<std::vector<std::string>> parts(sockets);
  for (size_t i = 0; i < sockets; ++i) {
    parts[i] = {"frame one of " + std::to_string(i), "|", "and two"};
    fill(ring->at(i), pairs[i].ours, parts[i]);
  }
  int result[sockets];
  ring->run(sockets, result);
  for (size_t i = 0; i < sockets; ++i) {
    std::string expected = "frame one of " + std::to_string(i) + "|and two";
    EXPECT_EQ(result[i], int(expected.size())) << i;
    EXPECT_EQ(pairs[i].read_all(), expected) << i;
  }
}

TEST(send_ring, a_full_socket_answers_eagain_at_once_and_others_still_go) {
  RING_OR_SKIP(ring);
  socket_pair full, fine;
  ::fcntl(full.ours, F_SETFL, O_NONBLOCK);
  std::string block(64 * 1024, 'x');
  while (::send(full.ours, block.data(), block.size(), MSG_DONTWAIT) > 0) {
  }
  std::vector<std::string> a{"more"}, b{"hello"};
  fill(ring->at(0), full.ours, a);
  fill(ring->at(1), fine.ours, b);
  int result[2];
  ring->run(2, result); // would hang if the full socket's send waited in the ring
  EXPECT_EQ(result[0], -EAGAIN);
  EXPECT_EQ(result[1], 5);
  EXPECT_EQ(fine.read_all(), "hello");
}

TEST(send_ring, a_nearly_full_socket_takes_part_of_the_batch) {
  RING_OR_SKIP(ring);
  socket_pair pair;
  ::fcntl(pair.ours, F_SETFL, O_NONBLOCK);
  std::string block(1024, 'x');
  while (::send(pair.ours, block.data(), block.size(), MSG_DONTWAIT) > 0) {
  }
  // Make room for some of the next batch, not all of it.
  std::string drained = pair.read_all();
  ASSERT_GT(drained.size(), 0u);
  std::vector<std::string> parts(8, std::string(drained.size(), 'y'));
  fill(ring->at(0), pair.ours, parts);
  int result[1];
  ring->run(1, result);
  EXPECT_GT(result[0], 0);
  EXPECT_LT(size_t(result[0]), 8 * drained.size());
}

TEST(send_ring, a_closed_peer_answers_epipe) {
  RING_OR_SKIP(ring);
  socket_pair pair;
  ::close(pair.theirs);
  pair.theirs = -1;
  std::vector<std::string> parts{"lost"};
  fill(ring->at(0), pair.ours, parts);
  int result[1];
  ring->run(1, result);
  EXPECT_EQ(result[0], -EPIPE);
}

TEST(send_ring, runs_again_after_every_result_was_reaped) {
  RING_OR_SKIP(ring);
  socket_pair pair;
  for (int round = 0; round < 3 * int(send_ring::capacity); ++round) {
    std::vector<std::string> parts{std::to_string(round)};
    fill(ring->at(0), pair.ours, parts);
    int result[1];
    ring->run(1, result);
    ASSERT_EQ(result[0], int(parts[0].size())) << round;
    ASSERT_EQ(pair.read_all(), parts[0]);
  }
}

} // namespace
} // namespace sb
