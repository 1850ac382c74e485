#pragma once
// Waiting on a condition outside the test process (a Redis node's answer, a
// cluster's state) that has no event to wait on: polled every 20 ms, with a
// bound.

#include <chrono>
#include <functional>
#include <thread>

namespace sb::test {

/// Polls `pred` every 20 ms until it holds (true) or `timeout` passes.
inline bool poll_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

} // namespace sb::test
