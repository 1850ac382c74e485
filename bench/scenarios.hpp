#pragma once
// The scenarios and what they share. Each returns the process exit
// status: 0 when every expected message arrived with no error, else 1.

#include <cstdint>
#include <string>

#include "bench/options.hpp"

namespace bench {

int run_fanout(const options& opts);
int run_rooms(const options& opts);
int run_idle(const options& opts);
int run_churn(const options& opts);
int run_hooks(const options& opts);
int run_crowd(const options& opts);
int run_soak(const options& opts);

/// Path and query of an upgrade attaching one chat plugin to `stream`.
std::string chat_target(const options& opts, const std::string& stream);
/// Path and query of an upgrade with `specs` (a JSON array) as `clients`.
std::string clients_target(const options& opts, const std::string& specs);

/// `s` with every byte but [A-Za-z0-9-_.~] percent-encoded (a query value).
std::string url_encode(const std::string& s);

/// A progress line on stderr ("[fanout] ..."), unless --quiet.
void progress(const options& opts, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

} // namespace bench
