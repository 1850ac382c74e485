#pragma once
// The connection actors of this node, by socket id: how the admin actor
// finds every socket for `switchboard ctl sockets`. A connection enters
// when it starts and leaves when its socket starts closing (or its state
// goes), on CAF's threads, while the admin reads on another: hence the
// mutex. It holds weak addresses only, so it never keeps a connection alive.

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/actors.hpp"

namespace sb {

class socket_directory {
public:
  void add(const std::string& socket_id, const connection_actor& conn) {
    std::lock_guard<std::mutex> guard{mutex_};
    by_id_.emplace(socket_id, caf::actor_cast<caf::actor_addr>(conn));
  }

  void remove(const std::string& socket_id) {
    std::lock_guard<std::mutex> guard{mutex_};
    by_id_.erase(socket_id);
  }

  /// The connections alive now.
  std::vector<connection_actor> snapshot() const {
    std::vector<connection_actor> out;
    std::lock_guard<std::mutex> guard{mutex_};
    out.reserve(by_id_.size());
    for (auto& [id, addr] : by_id_)
      if (auto conn = caf::actor_cast<connection_actor>(addr))
        out.push_back(std::move(conn));
    return out;
  }

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, caf::actor_addr> by_id_;
};

} // namespace sb
