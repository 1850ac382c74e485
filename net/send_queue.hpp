#pragma once
// The outgoing frames of one socket. Actors push shared, pre-framed
// buffers from any thread (under a spin lock); the socket's loop thread takes
// them in batches and writes them with one gathered sendmsg, reporting
// back how many bytes the kernel took. Knows nothing of sockets.
//
// Bounded in bytes (queued or being written): the push that passes the
// limit drops everything not yet started and asks for close 4008 (the
// slow-consumer rule): a frame already partly written is finished, so the
// close frame follows whole frames. Also holds the close request, since
// after it nothing more may be queued.

#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/frame.hpp"
#include "net/spin_lock.hpp"

namespace sb {

class send_queue {
public:
  explicit send_queue(size_t max_bytes) : max_bytes_(max_bytes) {}

  /// At most this many frames go into one sendmsg (well under IOV_MAX).
  static constexpr size_t max_iovecs = 64;

  /// What the socket should close with.
  struct close_order {
    uint16_t code = 0;
    std::string reason;
  };

  /// Result of a push.
  struct pushed {
    bool wake = false;     ///< the loop must be asked to flush (none asked yet)
    bool overflow = false; ///< this push passed the limit: 4008 is on its way
  };

  // --- producers: any thread ---

  /// Queues `frame`; dropped once the socket is closing.
  pushed push(frame_ptr frame);
  /// Asks for the close frame; later pushes are dropped. Returns whether
  /// the loop must be woken. Only the first close counts, and a reply set
  /// with set_reply() replaces what this one asks for.
  bool close(uint16_t code, std::string reason);
  /// The close frame that ends the peer's closing handshake (an echo, or
  /// the code of a protocol error): whoever calls close() next gets it.
  void set_reply(uint16_t code, std::string reason);

  // --- the loop thread ---

  /// Moves what was pushed behind the frames being written (or, after an
  /// overflow, drops it) and re-arms wake-ups. Returns the close order the
  /// first time there is one.
  std::optional<close_order> take();
  /// Appends a frame the loop makes itself (the close frame) after all.
  void append(frame_ptr frame);
  /// Fills up to `max` iovecs with the frames to write next; `bytes` gets
  /// their total. Returns how many were filled.
  size_t gather(iovec* iov, size_t max, size_t& bytes) const;
  /// The kernel took `bytes`; returns how many frames were completed.
  size_t written(size_t bytes);
  /// Nothing taken is left to write.
  bool idle() const { return next_ == outbox_.size(); }
  /// Bytes queued or being written, not yet sent (any thread; for /metrics).
  size_t queued_bytes() const { return queued_bytes_.load(std::memory_order_relaxed); }
  /// The socket is gone: drops everything, accepts nothing more.
  void clear();

private:
  const size_t max_bytes_;
  std::atomic<size_t> queued_bytes_{0}; ///< queued or being written, not yet sent

  void set_close(uint16_t code, std::string reason);

  // --- shared, guarded by lock_ ---
  spin_lock lock_;
  bool wake_asked_ = false; ///< a flush is scheduled and has not taken yet
  bool closing_ = false;    ///< no frame is accepted any more; close_ is the order
  bool has_reply_ = false;  ///< close_ holds a reply for the next close()
  bool close_taken_ = false;
  bool discard_ = false;    ///< overflowed: drop what was not started
  std::vector<frame_ptr> inbox_;
  /// What closing_ asks for, or the reply to use; made when first set, as
  /// most sockets need it only at their end (inline it cost 40 B).
  std::unique_ptr<close_order> close_;

  // --- loop thread only ---
  std::vector<frame_ptr> outbox_;
  size_t next_ = 0;   ///< index in outbox_ of the next frame to write
  size_t offset_ = 0; ///< bytes of outbox_[next_] already written
};

} // namespace sb
