#include "tests/support/broker_mode.hpp"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace sb::test {

namespace {

enum class broker_kind { memory, redis, invalid };

broker_kind kind() {
  static const broker_kind k = [] {
    const char* env = std::getenv("SWITCHBOARD_TEST_BROKER");
    std::string value = env ? env : "";
    if (value.empty() || value == "memory") return broker_kind::memory;
    if (value == "redis") return broker_kind::redis;
    return broker_kind::invalid;
  }();
  return k;
}

} // namespace

bool worker_mode() {
  static const bool on = [] {
    const char* env = std::getenv("SWITCHBOARD_TEST_PLACEMENT");
    return env && std::string{env} == "worker";
  }();
  return on;
}

namespace {

std::unique_ptr<redis_server>& shared() {
  static std::unique_ptr<redis_server> instance;
  return instance;
}

// Starts the shared redis-server before the first test and stops it after
// the last one.
class broker_environment : public ::testing::Environment {
public:
  void SetUp() override {
    if (kind() == broker_kind::invalid)
      FAIL() << "SWITCHBOARD_TEST_BROKER must be \"memory\" or \"redis\", got \""
             << std::getenv("SWITCHBOARD_TEST_BROKER") << "\"";
    std::printf("[ BROKER   ] %s\n", broker_name());
    if (kind() != broker_kind::redis) return;
    try {
      shared() = std::make_unique<redis_server>();
    } catch (const std::exception& e) {
      FAIL() << "could not start the shared redis-server: " << e.what();
    }
    std::printf("[ BROKER   ] redis-server %s (pid %d, dir %s)\n", shared()->url().c_str(),
                static_cast<int>(shared()->pid()), shared()->dir().c_str());
  }
  void TearDown() override { shared().reset(); }
};

// integration_tests links gtest_main: register from a static initializer.
[[maybe_unused]] auto* const environment =
  ::testing::AddGlobalTestEnvironment(new broker_environment);

} // namespace

bool redis_mode() {
  return kind() == broker_kind::redis;
}

const char* broker_name() {
  return redis_mode() ? "redis" : "memory";
}

redis_server& shared_redis() {
  if (!redis_mode()) throw std::logic_error("shared_redis() outside a redis-mode run");
  if (!shared()) throw std::runtime_error("the shared redis-server is not running");
  return *shared();
}

std::vector<std::string> broker_args() {
  if (!redis_mode()) return {};
  return {"--broker=redis", "--redis.url=" + shared_redis().url()};
}

} // namespace sb::test
