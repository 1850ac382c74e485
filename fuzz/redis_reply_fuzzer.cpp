// Fuzzes what Redis sends back: raw RESP bytes through hiredis' own reader
// (redisReaderCreate/Feed/GetReply, as every connection of the node reads
// them), then each reply through every decoder of the node, in the shapes
// they expect and in any other shape a reply may have:
//   - stream entries (XRANGE, XREVRANGE) and XREAD's [[key, entries]...],
//     decoded into events (redis/redis_entries, redis/event_codec);
//   - XINFO STREAM: whether a `since` is complete, the last generated id;
//   - pub-sub pushes [message, channel, payload] decoded into events;
//   - presence: HVALS user JSONs counted per user (redis/presence_store);
//   - Redis Cluster: CLUSTER SLOTS into a slot map, MOVED/ASK errors
//     (redis/cluster_slots).
// Checked beyond "no crash, no leak": every event frame the topic would
// build from a reply is valid JSON (UTF-8 included), whatever the reply
// holds. Stream ids are Redis' own and trusted to look like ids; payloads,
// field values and event names are anyone's who can write to Redis.
//
// hiredis 0.14 allocates an array of the announced size before its
// elements arrive (no `maxelements` until hiredis 1.0): arrays announced
// over a million elements are refused here like an allocation failure, so
// the fuzzer does not stop at an allocation of gigabytes inside hiredis.

#include <hiredis/hiredis.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz/check.hpp"
#include "core/envelope.hpp"
#include "core/event_codec.hpp"
#include "redis/cluster_slots.hpp"
#include "redis/presence_store.hpp"
#include "redis/redis_client.hpp"
#include "redis/redis_entries.hpp"
#include "core/stream_id.hpp"

using sb::fuzz::check;

namespace {

using namespace sb;

constexpr size_t max_array = 1 << 20;

redisReplyObjectFunctions bounded_functions;
void* (*create_array)(const redisReadTask*, int) = nullptr;

void* bounded_array(const redisReadTask* task, int elements) {
  if (elements > 0 && static_cast<size_t>(elements) > max_array)
    return nullptr; // hiredis reports "Out of memory" and stops
  return create_array(task, elements);
}

/// The frame a topic builds for an event, checked to be valid JSON.
void check_frame(const decoded_event& ev, bool with_id) {
  auto id = with_id && stream_id::parse(ev.id) ? ev.id : std::string{};
  auto frame = event_frame("chat", "stream:123", ev.event, id, ev.data);
  check(is_json_text(frame));
}

void entries(const redisReply* r) {
  for (auto& entry : parse_entries(r))
    check_frame(decode_entry(entry, "message"), true);
}

void xread(const redisReply* r) {
  for (size_t i = 0; i < reply::size(r); ++i) {
    auto stream = reply::at(r, i);
    reply::str(reply::at(stream, 0));
    entries(reply::at(stream, 1));
  }
}

void xinfo(const redisReply* r) {
  auto last = last_generated_id(r);
  for (auto since : {stream_id{}, stream_id{1718000000000, 0}, last, last.next()})
    complete_after(r, since);
}

void pushed(const redisReply* r) {
  if (reply::str(reply::at(r, 0)) != "message")
    return;
  reply::str(reply::at(r, 1));
  check_frame(decode_published(reply::str(reply::at(r, 2)), "message"), false);
}

void presence(const redisReply* r) {
  std::vector<std::string> users;
  for (size_t i = 0; i < reply::size(r); ++i)
    users.push_back(reply::str(reply::at(r, i)));
  for (auto& u : count_connections(users))
    check(u.connections > 0 && nlohmann::json::accept(u.user_json));
}

/// A cluster's slot map and redirects: a reply that loads leaves every
/// slot either unowned or owned by a listed master; a redirect names a
/// slot that exists.
void cluster(const redisReply* r) {
  const cluster_node asked{"10.0.0.1", 7000};
  slot_map map;
  if (map.load(r, asked))
    for (uint16_t slot = 0; slot < cluster_slots; ++slot) {
      auto index = map.owner_index(slot);
      check(index >= -1 && index < static_cast<int>(map.masters().size()));
    }
  if (reply::is_error(r))
    if (auto redirect = parse_redirect(reply::str(r), asked)) {
      check(redirect->slot < cluster_slots && redirect->to.port > 0);
      map.moved(redirect->slot, redirect->to);
      check(map.owner(redirect->slot) && *map.owner(redirect->slot) == redirect->to);
    }
}

void decode_all(const redisReply* r) {
  reply::is_error(r);
  reply::is_nil(r);
  reply::integer(r);
  reply::str(r);
  entries(r);
  xread(r);
  xinfo(r);
  pushed(r);
  presence(r);
  cluster(r);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  redisReader* reader = redisReaderCreate();
  if (create_array == nullptr) {
    bounded_functions = *reader->fn;
    create_array = bounded_functions.createArray;
    bounded_functions.createArray = bounded_array;
  }
  reader->fn = &bounded_functions;
  if (redisReaderFeed(reader, reinterpret_cast<const char*>(data), size) == REDIS_OK) {
    void* r = nullptr;
    while (redisReaderGetReply(reader, &r) == REDIS_OK && r != nullptr) {
      reply_ptr owned{static_cast<redisReply*>(r)};
      decode_all(owned.get());
      r = nullptr;
    }
  }
  redisReaderFree(reader);
  return 0;
}
