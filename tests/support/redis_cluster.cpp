#include "tests/support/redis_cluster.hpp"

#include "tests/support/child_process.hpp"

#include <chrono>
#include <stdexcept>

namespace sb::test {

using namespace std::chrono_literals;

namespace {

redis_options cluster_node_options() {
  redis_options opts;
  opts.extra_args = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                     "--cluster-node-timeout", "1000", "--cluster-port",
                     std::to_string(free_port()),
                     // A replica syncs at once rather than after 5 s.
                     "--repl-diskless-sync-delay", "0"};
  return opts;
}

bool cluster_ok(redis_server& node) {
  try {
    auto info = node.command({"CLUSTER", "INFO"}).get<std::string>();
    return info.find("cluster_state:ok") != std::string::npos;
  } catch (const std::exception&) {
    return false;
  }
}

/// A replica that has not synced with its master yet could not take over
/// from it: the cluster is ready once every replica's link is up.
bool synced(redis_server& node) {
  try {
    auto info = node.command({"INFO", "replication"}).get<std::string>();
    return info.find("role:master") != std::string::npos
           || info.find("master_link_status:up") != std::string::npos;
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace

redis_cluster::redis_cluster(size_t masters, size_t replicas) : masters_(masters) {
  for (size_t i = 0; i < masters * (1 + replicas); ++i)
    nodes_.push_back(std::make_unique<redis_server>(cluster_node_options()));
  std::vector<std::string> argv{"/usr/bin/redis-cli", "--cluster", "create"};
  for (auto& node : nodes_)
    argv.push_back("127.0.0.1:" + std::to_string(node->port()));
  argv.insert(argv.end(), {"--cluster-replicas", std::to_string(replicas), "--cluster-yes"});
  child_process create(argv);
  auto status = create.wait_exit(30s);
  bool formed = status == 0;
  for (auto& node : nodes_)
    formed = formed && node->until([&] { return cluster_ok(*node) && synced(*node); }, 30s);
  if (!formed)
    throw std::runtime_error("the cluster did not form; redis-cli said:\n"
                             + create.tail(child_process::output::out)
                             + create.tail(child_process::output::err) + "\n" + logs());
}

redis_server& redis_cluster::node_on(uint16_t port) {
  for (auto& node : nodes_)
    if (node->port() == port)
      return *node;
  throw std::out_of_range("no cluster node on port " + std::to_string(port));
}

std::string redis_cluster::addresses() const {
  std::string out;
  for (auto& node : nodes_)
    out += (out.empty() ? "" : ",") + std::string{"127.0.0.1:"} + std::to_string(node->port());
  return out;
}

uint16_t redis_cluster::master_of(uint16_t slot) {
  for (auto& node : nodes_) {
    if (!node->running())
      continue;
    for (auto& range : node->command({"CLUSTER", "SLOTS"}))
      if (range[0].get<int>() <= slot && slot <= range[1].get<int>())
        return static_cast<uint16_t>(range[2][1].get<int>());
    return 0;
  }
  return 0;
}

std::string redis_cluster::id_of(uint16_t port) {
  return node_on(port).command({"CLUSTER", "MYID"}).get<std::string>();
}

uint16_t redis_cluster::begin_move(uint16_t slot, uint16_t to) {
  auto from = master_of(slot);
  auto s = std::to_string(slot);
  node_on(to).command({"CLUSTER", "SETSLOT", s, "IMPORTING", id_of(from)});
  node_on(from).command({"CLUSTER", "SETSLOT", s, "MIGRATING", id_of(to)});
  return from;
}

void redis_cluster::move_slot(uint16_t slot, uint16_t to) {
  auto from = begin_move(slot, to);
  auto s = std::to_string(slot);
  auto& source = node_on(from);
  auto& target = node_on(to);
  for (;;) {
    auto keys = source.command({"CLUSTER", "GETKEYSINSLOT", s, "100"});
    if (keys.empty())
      break;
    std::vector<std::string> migrate{"MIGRATE", "127.0.0.1", std::to_string(to), "", "0",
                                     "5000", "KEYS"};
    for (auto& key : keys)
      migrate.push_back(key.get<std::string>());
    source.command(migrate);
  }
  // The owner learns first, so no node points at one that does not know.
  target.command({"CLUSTER", "SETSLOT", s, "NODE", id_of(to)});
  source.command({"CLUSTER", "SETSLOT", s, "NODE", id_of(to)});
  for (auto& node : nodes_)
    if (node->running() && node->port() != from && node->port() != to
        && node->command({"ROLE"})[0] == "master") // replicas follow their masters
      node->command({"CLUSTER", "SETSLOT", s, "NODE", id_of(to)});
}

std::string redis_cluster::logs() const {
  std::string out;
  for (auto& node : nodes_)
    out += "--- node " + std::to_string(node->port()) + " ---\n" + node->logs();
  return out;
}

} // namespace sb::test
