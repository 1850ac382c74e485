#pragma once
// What the stream consumers' tests check (consumer_test in-process,
// consumer_worker_test through `switchboard worker`): entries numbered
// `{"n": 1, 2, ...}` added to Redis streams, the order in which the
// webhook (test_backend) first got each, and what Redis still has pending.

#include "tests/support/redis_server.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace sb::test {

/// XADDs `event message data {"n": n}` to `key`; the entry's id.
std::string add_numbered(redis_server& redis, const std::string& key, int n);

/// The `n` of each entry of `stream` the webhook got, first arrivals only,
/// in the order they came: what "in order" is about (a redelivery repeats
/// one already seen, which at least once allows).
std::vector<int> first_arrivals(const std::vector<nlohmann::json>& bodies,
                                const std::string& stream);

/// 1, 2, ..., n.
std::vector<int> one_to(int n);

/// Entries of `key` read and not acknowledged in consumer group `group`.
long long pending(redis_server& redis, const std::string& key, const std::string& group);

} // namespace sb::test
