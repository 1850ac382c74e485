#pragma once
// The pure rules of stream consumers (`consumers.<name>.*`, run by
// `switchboard worker`): which keys a consumer reads, what its webhook
// receives, how long it waits before retrying, and what a dead letter
// holds. No sockets, no clock, no randomness of their own: the consumer
// actors (actors/consumer, actors/stream_consumer) and the Redis reader
// (redis/consumer_reader) call these, and unit tests feed them directly.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/messages.hpp"

namespace sb {

/// Redis' glob (the one SCAN MATCH uses): `*` any run, `?` one byte,
/// `[abc]`, `[a-z]`, `[^a]` a class, `\x` the byte x itself. Linear in
/// practice: a `*` is retried from the last one only. (Token stream
/// patterns, net/auth's glob_match, know only `*` and `?`: a consumer's
/// glob must mean what SCAN makes of it.)
bool redis_glob_match(std::string_view pattern, std::string_view text);

/// A key a consumer reads: it matches `glob` and is a key in the
/// project's sense, `<stream>:<plugin>` with a valid stream and plugin
/// name. So a consumer never reads another's dead letters (their last part,
/// `dead-letter`, is no plugin name), whatever its glob.
bool consumable_key(std::string_view glob, std::string_view key);

/// The JSON the webhook receives for one entry of `key`:
/// `{"stream":..,"client":..,"id":..,"event":..,"data":..}`, event and
/// data decoded as sockets get them (core/event_codec's decode_entry).
std::string webhook_body(std::string_view key, const stream_entry& entry,
                         std::string_view default_event);

/// True for the 2xx answers after which an entry is acknowledged.
inline bool delivered(uint16_t status) {
  return status >= 200 && status < 300;
}

/// Why an answer is a failure, for logs and the dead letter:
/// "HTTP 500" or the client's reason ("connect: Connection refused").
std::string failure_text(uint16_t status, std::string_view error);

/// The wait before the next attempt after `failures` failed ones (1, 2,
/// ...): `first` doubling per failure, capped at a minute (or at `first`
/// when that is longer), then scaled into [1/2, 1] of itself by `unit`
/// (a number in [0, 1)): webhooks that come back are not hit by every
/// stream's retry at once.
std::chrono::milliseconds retry_delay(uint32_t failures, std::chrono::milliseconds first,
                                      double unit);

/// The dead-letter stream of consumer `name`, on the Redis server of each
/// stream it reads: `switchboard:consumer:<name>:dead-letter`.
std::string dead_letter_key(std::string_view name);

/// The fields of a dead letter: key, id, entry (the original fields as a
/// JSON object), consumer (the worker that gave up), attempts, error.
std::vector<std::string> dead_letter_fields(std::string_view key, const stream_entry& entry,
                                            std::string_view consumer, uint32_t attempts,
                                            std::string_view error);

} // namespace sb
