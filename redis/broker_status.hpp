#pragma once
// Readiness of the Redis broker, shared between its detached actors (which
// report their connections) and the HTTP side (`/readyz`). Lock-free: the
// HTTP thread only reads one counter.

#include <atomic>
#include <memory>

namespace sb {

class broker_status {
public:
  /// Every connection-owning component registers once and starts down.
  class flag {
  public:
    explicit flag(std::shared_ptr<broker_status> status) : status_(std::move(status)) {
      if (status_)
        ++status_->down_;
    }
    ~flag() {
      if (status_ && !up_)
        --status_->down_;
    }
    flag(const flag&) = delete;
    flag& operator=(const flag&) = delete;

    void set(bool up) {
      if (!status_ || up == up_)
        return;
      up_ = up;
      up ? --status_->down_ : ++status_->down_;
    }

  private:
    std::shared_ptr<broker_status> status_;
    bool up_ = false;
  };

  bool ready() const { return down_.load() == 0; }

private:
  std::atomic<int> down_{0};
};

} // namespace sb
