#include "redis/cluster_router.hpp"

#include <hiredis/hiredis.h>

#include "core/log.hpp"
#include "core/metrics.hpp"

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

cluster_router::~cluster_router() {
  for (auto& n : nodes_)
    metrics::global().cluster_links(n.describe(), -1);
}

std::atomic<uint64_t>& cluster_router::changes() {
  static std::atomic<uint64_t> n{0};
  return n;
}

bool cluster_router::load_from(redis_client& client, const cluster_node& node) {
  auto seen = changes().load(std::memory_order_acquire);
  auto r = client.command({"CLUSTER", "SLOTS"});
  if (!r || !map_.load(r.get(), node))
    return false;
  count(metrics::global().redis_slot_refreshes);
  changes_seen_ = seen;
  if (map_.version() != announced_) { // an owner changed (here or by a MOVED): tell the others
    announced_ = map_.version();
    changes_seen_ = changes().fetch_add(1, std::memory_order_acq_rel) + 1;
  }
  return true;
}

bool cluster_router::refresh() {
  for (size_t i = 0; i < connections_.size(); ++i)
    if (serving(i) && load_from(*connections_[i], nodes_[i]))
      return true;
  // Every master known is gone (or none is known yet): the seeds may be
  // replicas promoted since, or the cluster's other nodes.
  for (auto& seed : seeds_) {
    redis_client client{seed, timeouts_, name_ + "-seed"};
    if (load_from(client, node_of(seed)))
      return true;
  }
  log::warning("redis", name_, ": no node of the cluster answered CLUSTER SLOTS");
  return false;
}

int cluster_router::master_of(std::string_view key) {
  auto slot = key_slot(key);
  if (!map_.owner(slot))
    refresh();
  auto owner = map_.owner(slot);
  return owner ? static_cast<int>(link_to(*owner)) : -1;
}

size_t cluster_router::link_to(const cluster_node& node) {
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i] == node)
      return i;
  auto endpoint = seeds_.empty() ? redis_endpoint{} : seeds_.front();
  endpoint.host = node.host;
  endpoint.port = node.port;
  endpoint.unix_path.clear();
  endpoint.db = 0; // a cluster has only database 0
  connections_.push_back(
    std::make_unique<redis_client>(endpoint, timeouts_, name_ + "-" + node.describe()));
  nodes_.push_back(node);
  metrics::global().cluster_links(node.describe(), 1);
  return nodes_.size() - 1;
}

bool cluster_router::serving(size_t link) const {
  // Asked per link on every batch: recomputed only when the map or the
  // links changed, in one pass over the slots.
  if (serving_version_ != map_.version() || serving_.size() != nodes_.size()) {
    std::vector<bool> by_master(map_.masters().size());
    for (uint16_t slot = 0; slot < cluster_slots; ++slot)
      if (auto i = map_.owner_index(slot); i >= 0)
        by_master[static_cast<size_t>(i)] = true;
    serving_.assign(nodes_.size(), false);
    for (size_t l = 0; l < nodes_.size(); ++l)
      for (size_t m = 0; m < by_master.size(); ++m)
        if (by_master[m] && map_.masters()[m] == nodes_[l])
          serving_[l] = true;
    serving_version_ = map_.version();
  }
  return serving_.at(link);
}

reply_ptr cluster_router::command(std::string_view key, const std::vector<std::string>& argv) {
  auto link = master_of(key);
  if (link < 0)
    return nullptr;
  auto& asked = nodes_[static_cast<size_t>(link)];
  auto r = connection(static_cast<size_t>(link)).command(argv);
  if (!r) {
    refresh(); // the master may be failing over: the next command asks the map anew
    return nullptr;
  }
  auto redirect = follow(r.get(), asked);
  return redirect ? resend(*redirect, argv) : std::move(r);
}

reply_ptr cluster_router::resend(cluster_redirect redirect, const std::vector<std::string>& argv,
                                 size_t* answered_by) {
  for (int hop = 0; hop < max_redirects; ++hop) {
    auto link = link_to(redirect.to);
    if (answered_by)
      *answered_by = link;
    if (redirect.what == cluster_redirect::kind::ask)
      return asking(redirect.to, argv);
    auto r = connection(link).command(argv);
    if (!r) {
      refresh();
      return nullptr;
    }
    auto next = follow(r.get(), redirect.to);
    if (!next)
      return r;
    redirect = *next;
  }
  log::warning("redis", name_, ": more than ", max_redirects, " redirects for ", argv.front());
  return nullptr;
}

std::optional<cluster_redirect> cluster_router::follow(const redisReply* r,
                                                       const cluster_node& asked) {
  if (!r || r->type != REDIS_REPLY_ERROR)
    return std::nullopt;
  auto redirect = parse_redirect(reply::str(r), asked);
  if (!redirect)
    return std::nullopt;
  count(metrics::global().redis_redirects);
  if (redirect->what == cluster_redirect::kind::moved) {
    map_.moved(redirect->slot, redirect->to);
    refresh();
  }
  return redirect;
}

reply_ptr cluster_router::asking(const cluster_node& node, const std::vector<std::string>& argv) {
  auto& client = connection(link_to(node));
  if (!client.ready())
    return nullptr;
  auto replies = client.pipeline({{"ASKING"}, argv});
  return std::move(replies.at(1));
}

} // namespace sb
