#pragma once
// Redis Cluster's addressing (redis.mode = cluster): the hash slot of a
// key (CRC16 of the key or of its hash tag, modulo 16,384), the slot map
// of which master serves each slot, learned from `CLUSTER SLOTS` on any
// node, and the `MOVED`/`ASK` redirects that correct it. Pure: the cluster
// connections (redis/cluster_*) feed it replies; unit tests and the fuzzer
// feed it replies parsed from RESP text.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;

namespace sb {

inline constexpr uint16_t cluster_slots = 16384;

/// CRC16-CCITT (XMODEM), Redis Cluster's key hash: crc16("123456789") is
/// 0x31C3.
uint16_t crc16(std::string_view data);

/// The part of a key that is hashed: what lies between the first `{` and
/// the first `}` after it, when that is not empty; otherwise the whole key.
std::string_view hash_tag(std::string_view key);

/// The key's slot, as `CLUSTER KEYSLOT` answers.
uint16_t key_slot(std::string_view key);

struct cluster_node {
  std::string host;
  uint16_t port = 0;

  std::string describe() const;
  friend bool operator==(const cluster_node& a, const cluster_node& b) {
    return a.port == b.port && a.host == b.host;
  }
  friend bool operator!=(const cluster_node& a, const cluster_node& b) { return !(a == b); }
};

/// A `-MOVED <slot> <host:port>` or `-ASK <slot> <host:port>` error.
struct cluster_redirect {
  enum class kind { moved, ask };
  kind what = kind::moved;
  uint16_t slot = 0;
  cluster_node to;
};

/// The redirect an error reply's text names; nullopt for any other error
/// (or a malformed redirect, which is then just an error). An empty host
/// (a node that does not know its own address) means `asked`'s host.
std::optional<cluster_redirect> parse_redirect(std::string_view error,
                                               const cluster_node& asked);

class slot_map {
public:
  slot_map() { owner_.fill(none); }

  /// Replaces the map with a `CLUSTER SLOTS` reply from `asked`: true when
  /// the reply is one, false (and the map unchanged) otherwise. A node
  /// given with an empty or null host is `asked`'s host; one whose address
  /// is unknown (`?`) serves nothing. Slots no master covers stay without
  /// an owner (the cluster is failing over or being set up).
  bool load(const redisReply* r, const cluster_node& asked);

  /// A `MOVED` redirect: `slot` is served by `to` from now on.
  void moved(uint16_t slot, const cluster_node& to);

  /// The master that serves `slot`, or null when none is known.
  const cluster_node* owner(uint16_t slot) const;

  /// Index of `slot`'s master in masters(), or -1 when none is known:
  /// callers keep one connection per index.
  int owner_index(uint16_t slot) const { return owner_[slot]; }

  /// The masters in the order first seen; a master that serves no slot any
  /// more stays listed (its index stays valid until the next load()).
  const std::vector<cluster_node>& masters() const { return masters_; }

  /// Slots without an owner (0 when the whole cluster is covered).
  size_t uncovered() const;

  /// Moves on every load() and moved() that changed an owner.
  uint64_t version() const { return version_; }

private:
  static constexpr int16_t none = -1;

  int16_t index_of(const cluster_node& node);

  std::vector<cluster_node> masters_;
  std::array<int16_t, cluster_slots> owner_;
  uint64_t version_ = 0;
};

} // namespace sb
