#include "net/send_queue.hpp"

#include <mutex>
#include <utility>

namespace sb {

namespace {

/// Empties a frame queue. One that a burst (a `joined` storm, a replay)
/// grew past a few dozen entries gives its memory back: an idle socket
/// should not keep the high-water mark of its busiest moment.
void release_if_large(std::vector<frame_ptr>& queue) {
  if (queue.capacity() > 32)
    std::vector<frame_ptr>{}.swap(queue);
  else
    queue.clear();
}

} // namespace

send_queue::pushed send_queue::push(frame_ptr frame) {
  pushed result;
  std::lock_guard<spin_lock> guard{lock_};
  if (closing_)
    return result;
  auto size = frame->size();
  if (queued_bytes_.fetch_add(size, std::memory_order_relaxed) + size > max_bytes_) {
    closing_ = true;
    discard_ = true;
    set_close(4008, "Slow consumer");
    inbox_.clear();
    result.overflow = true;
  } else {
    inbox_.push_back(std::move(frame));
  }
  result.wake = !std::exchange(wake_asked_, true);
  return result;
}

bool send_queue::close(uint16_t code, std::string reason) {
  std::lock_guard<spin_lock> guard{lock_};
  if (closing_)
    return false;
  closing_ = true;
  if (!has_reply_)
    set_close(code, std::move(reason));
  return !std::exchange(wake_asked_, true);
}

void send_queue::set_reply(uint16_t code, std::string reason) {
  std::lock_guard<spin_lock> guard{lock_};
  if (closing_)
    return;
  set_close(code, std::move(reason));
  has_reply_ = true;
}

std::optional<send_queue::close_order> send_queue::take() {
  std::lock_guard<spin_lock> guard{lock_};
  wake_asked_ = false;
  if (discard_) {
    discard_ = false;
    // Finish a frame half written: the close frame must follow whole frames.
    outbox_.resize(next_ + (offset_ > 0 ? 1 : 0));
  } else if (outbox_.empty()) {
    outbox_.swap(inbox_);
  } else {
    outbox_.insert(outbox_.end(), std::make_move_iterator(inbox_.begin()),
                   std::make_move_iterator(inbox_.end()));
  }
  release_if_large(inbox_);
  if (!closing_ || close_taken_ || !close_) // clear() closes with no order
    return std::nullopt;
  close_taken_ = true;
  return *close_;
}

void send_queue::set_close(uint16_t code, std::string reason) {
  if (!close_)
    close_ = std::make_unique<close_order>();
  *close_ = close_order{code, std::move(reason)};
}

void send_queue::append(frame_ptr frame) {
  queued_bytes_.fetch_add(frame->size(), std::memory_order_relaxed);
  outbox_.push_back(std::move(frame));
}

size_t send_queue::gather(iovec* iov, size_t max, size_t& bytes) const {
  size_t count = 0;
  bytes = 0;
  for (size_t i = next_; i < outbox_.size() && count < max; ++i, ++count) {
    const std::string& frame = *outbox_[i];
    size_t skip = i == next_ ? offset_ : 0;
    iov[count] = {const_cast<char*>(frame.data()) + skip, frame.size() - skip};
    bytes += frame.size() - skip;
  }
  return count;
}

size_t send_queue::written(size_t bytes) {
  queued_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  size_t frames = 0;
  while (bytes > 0) {
    size_t rest = outbox_[next_]->size() - offset_;
    if (bytes < rest) {
      offset_ += bytes;
      break;
    }
    bytes -= rest;
    offset_ = 0;
    outbox_[next_++].reset();
    ++frames;
  }
  if (next_ == outbox_.size()) {
    release_if_large(outbox_);
    next_ = 0;
  }
  return frames;
}

void send_queue::clear() {
  {
    std::lock_guard<spin_lock> guard{lock_};
    closing_ = true;
    inbox_.clear();
  }
  outbox_.clear();
  next_ = 0;
  offset_ = 0;
}

} // namespace sb
