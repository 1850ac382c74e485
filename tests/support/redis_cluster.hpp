#pragma once
// A Redis Cluster for tests: `masters` redis-servers in cluster mode (each
// with `replicas` replicas) on free ports with their bus ports free too,
// joined by `redis-cli --cluster create`, ready once every node reports
// `cluster_state:ok` and every replica has synced with its master. Short node timeouts, so a replica takes over from a
// killed master within about two seconds.

#include "tests/support/redis_server.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sb::test {

class redis_cluster {
public:
  /// Starts and joins the nodes; throws with redis-cli's output and the
  /// nodes' logs when the cluster does not form within 30 s.
  explicit redis_cluster(size_t masters = 3, size_t replicas = 0);

  /// Every node, masters first as redis-cli was given them (it then picks
  /// which nodes become replicas: ask master_of() rather than assume).
  std::vector<std::unique_ptr<redis_server>>& nodes() { return nodes_; }
  redis_server& node_on(uint16_t port);

  /// "127.0.0.1:a,127.0.0.1:b,..." of every node.
  std::string addresses() const;

  /// The port of the master that serves `slot`, from CLUSTER SLOTS asked of
  /// the first running node.
  uint16_t master_of(uint16_t slot);

  /// The cluster node id of the node on `port` (CLUSTER MYID).
  std::string id_of(uint16_t port);

  /// Starts moving `slot` to the master on `to` (IMPORTING there,
  /// MIGRATING on its owner): its owner then answers ASK for keys it no
  /// longer has. Returns the owner's port.
  uint16_t begin_move(uint16_t slot, uint16_t to);

  /// Moves `slot` and its keys to the master on `to`, as `redis-cli
  /// --cluster reshard` does: IMPORTING/MIGRATING, MIGRATE of every key,
  /// then SETSLOT NODE on every master.
  void move_slot(uint16_t slot, uint16_t to);

  std::string logs() const;

private:
  std::vector<std::unique_ptr<redis_server>> nodes_;
  size_t masters_;
};

} // namespace sb::test
