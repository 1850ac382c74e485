#pragma once
// A lock of one byte, for the send queue of every socket (net/send_queue):
// its critical sections are a vector push or swap, held by the socket's
// loop thread or an actor thread for well under a microsecond. A waiter
// spins, then yields the CPU. std::mutex cost 40 B in each socket.

#include <atomic>
#include <thread>

namespace sb {

class spin_lock {
public:
  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire))
      wait();
  }

  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

private:
  void wait() noexcept {
    unsigned spins = 0;
    while (locked_.load(std::memory_order_relaxed)) {
      if (spins < 64) {
        ++spins;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      } else {
        std::this_thread::yield(); // the holder may be descheduled
      }
    }
  }

  std::atomic<bool> locked_{false};
};

} // namespace sb
