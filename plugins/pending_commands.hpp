#pragma once
// The commands of one plugin actor whose broker requests are still out.
// A plugin's close hook waits for them, so a command the client sent just
// before closing its socket is still stored, published and acked; each
// request's timeout bounds the wait. Plugin states hold one.

#include <cstddef>
#include <functional>
#include <memory>
#include <utility>

namespace sb {

class pending_commands {
public:
  void begin() { ++count_; }
  /// One finished (answered or failed); runs what waited for the last one.
  void end() {
    if (--count_ == 0 && then_)
      (*std::exchange(then_, nullptr))();
  }
  /// Runs `fn` once no command is pending: now, or after the last end().
  void when_done(std::function<void()> fn) {
    if (count_ == 0)
      fn();
    else
      then_ = std::make_unique<std::function<void()>>(std::move(fn));
  }

private:
  size_t count_ = 0;
  /// Only while closing: inline, it cost every plugin 24 B more.
  std::unique_ptr<std::function<void()>> then_;
};

} // namespace sb
