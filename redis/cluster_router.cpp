#include "redis/cluster_router.hpp"

#include <hiredis/hiredis.h>

#include "core/log.hpp"

namespace sb {

namespace {

cluster_node node_of(const redis_endpoint& ep) {
  return cluster_node{ep.host, static_cast<uint16_t>(ep.port)};
}

} // namespace

cluster_router::cluster_router(std::vector<redis_endpoint> seeds, redis_timeouts timeouts,
                               std::string name)
  : seeds_(std::move(seeds)), timeouts_(timeouts), name_(std::move(name)) {
}

bool cluster_router::refresh() {
  auto load_from = [this](redis_client& client, const cluster_node& node) {
    auto r = client.command({"CLUSTER", "SLOTS"});
    return r && map_.load(r.get(), node);
  };
  for (size_t i = 0; i < connections_.size(); ++i)
    if (load_from(*connections_[i], map_.masters()[i])) {
      connect_masters();
      return true;
    }
  // Every master known is gone (or none is known yet): the seeds may be
  // replicas promoted since, or the cluster's other nodes.
  for (auto& seed : seeds_) {
    redis_client client{seed, timeouts_, name_ + "-seed"};
    if (load_from(client, node_of(seed))) {
      connect_masters();
      return true;
    }
  }
  log::warning("redis", name_, ": no node of the cluster answered CLUSTER SLOTS");
  return false;
}

int cluster_router::master_of(std::string_view key) {
  auto slot = key_slot(key);
  if (map_.owner_index(slot) < 0)
    refresh();
  if (map_.masters().size() != connections_.size())
    connect_masters();
  return map_.owner_index(slot);
}

reply_ptr cluster_router::command(std::string_view key, const std::vector<std::string>& argv) {
  for (int hop = 0; hop <= max_redirects; ++hop) {
    auto index = master_of(key);
    if (index < 0)
      return nullptr;
    auto asked = map_.masters()[static_cast<size_t>(index)];
    auto r = connection(static_cast<size_t>(index)).command(argv);
    if (!r) {
      // The master may be failing over: the next command asks the map anew.
      refresh();
      return nullptr;
    }
    auto redirect = follow(r.get(), asked);
    if (!redirect)
      return r;
    if (redirect->what == cluster_redirect::kind::ask)
      return asking(redirect->to, argv);
  }
  log::warning("redis", name_, ": more than ", max_redirects, " redirects for ", key);
  return nullptr;
}

std::optional<cluster_redirect> cluster_router::follow(const redisReply* r,
                                                       const cluster_node& asked) {
  if (!r || r->type != REDIS_REPLY_ERROR)
    return std::nullopt;
  auto redirect = parse_redirect(reply::str(r), asked);
  if (redirect && redirect->what == cluster_redirect::kind::moved) {
    map_.moved(redirect->slot, redirect->to);
    if (!refresh())
      connect_masters(); // at least the master MOVED named
  }
  return redirect;
}

reply_ptr cluster_router::asking(const cluster_node& node, const std::vector<std::string>& argv) {
  std::unique_ptr<redis_client> temporary;
  redis_client* client = nullptr;
  for (size_t i = 0; i < connections_.size(); ++i)
    if (map_.masters()[i] == node)
      client = connections_[i].get();
  if (!client) {
    temporary = client_to(node);
    client = temporary.get();
  }
  if (!client->ready())
    return nullptr;
  auto replies = client->pipeline({{"ASKING"}, argv});
  return std::move(replies.at(1));
}

void cluster_router::connect_masters() {
  std::vector<std::unique_ptr<redis_client>> next;
  for (auto& master : map_.masters()) {
    std::unique_ptr<redis_client> kept;
    for (auto& c : connections_)
      if (c && node_of(c->endpoint()) == master)
        kept = std::move(c);
    next.push_back(kept ? std::move(kept) : client_to(master));
  }
  connections_ = std::move(next);
}

std::unique_ptr<redis_client> cluster_router::client_to(const cluster_node& node) const {
  auto endpoint = seeds_.empty() ? redis_endpoint{} : seeds_.front();
  endpoint.host = node.host;
  endpoint.port = node.port;
  endpoint.unix_path.clear();
  endpoint.db = 0; // a cluster has only database 0
  return std::make_unique<redis_client>(endpoint, timeouts_, name_ + "-" + node.describe());
}

} // namespace sb
