// Counts heap allocations made through operator new, so a run can report how
// many happened during the measured window: the steady state should show
// none per frame. One relaxed increment per allocation; the bench has one
// thread, the atomic is for safety only.

#include <atomic>
#include <cstdlib>
#include <new>

#include "bench/proc.hpp"

namespace {

std::atomic<uint64_t> count{0};

void* allocate(std::size_t n) {
  count.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1))
    return p;
  throw std::bad_alloc();
}

} // namespace

uint64_t bench::allocations() {
  return count.load(std::memory_order_relaxed);
}

void* operator new(std::size_t n) {
  return allocate(n);
}

void* operator new[](std::size_t n) {
  return allocate(n);
}

void operator delete(void* p) noexcept {
  std::free(p);
}

void operator delete[](void* p) noexcept {
  std::free(p);
}

void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
