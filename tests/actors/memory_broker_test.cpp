// The memory broker (redis/memory_broker), one command at a time: what each
// answers, and what its subscribers and listeners receive.
#define CAF_SUITE memory_broker
#include "tests/actors/fixture.hpp"

#include "core/event_codec.hpp"

using namespace sb;
using namespace sb::test;

namespace {

using strings = std::vector<std::string>;

struct broker_fixture : actor_fixture {
  std::string post(const std::string& key, const std::string& text, uint64_t maxlen = 0) {
    return request<std::string>(broker, post_atom::value, key, std::string{"message"},
                                R"({"text":")" + text + R"("})", maxlen, false, uint64_t{0});
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(memory_broker_tests, broker_fixture)

CAF_TEST(post stores the entry and tells listeners and subscribers) {
  caf::scoped_actor receiver{sys, true};
  CAF_CHECK_EQUAL(request<ok_atom>(broker, subscribe_atom::value, std::string{"k"},
                                   caf::actor_cast<channel_actor>(receiver)),
                  ok_atom::value);
  CAF_CHECK_EQUAL(request<std::string>(broker, listen_atom::value, std::string{"k"},
                                       caf::actor_cast<stream_actor>(receiver)),
                  "0-0");
  auto id = post("k", "hi");
  receiver->receive([&](entry_atom, const std::string& key, const stream_entry& e) {
    CAF_CHECK_EQUAL(key, "k");
    CAF_CHECK_EQUAL(e.id, id);
  });
  receiver->receive([&](message_atom, const std::string& channel, const std::string& payload) {
    CAF_CHECK_EQUAL(channel, "k");
    CAF_CHECK_EQUAL(decode_published(payload, "message").id, id);
  });
  auto tail = request<std::vector<stream_entry>>(broker, tail_atom::value, std::string{"k"},
                                                 uint64_t{10});
  CAF_REQUIRE_EQUAL(tail.size(), 1u);
  CAF_CHECK_EQUAL(tail[0].id, id);
}

CAF_TEST(publish reaches subscribers until they unsubscribe) {
  caf::scoped_actor receiver{sys, true};
  auto me = caf::actor_cast<channel_actor>(receiver);
  CAF_CHECK_EQUAL(request<uint64_t>(broker, publish_atom::value, std::string{"c"},
                                    std::string{"x"}),
                  0u);
  request<ok_atom>(broker, subscribe_atom::value, std::string{"c"}, me);
  CAF_CHECK_EQUAL(request<uint64_t>(broker, publish_atom::value, std::string{"c"},
                                    std::string{"x"}),
                  1u);
  receiver->receive([](message_atom, const std::string&, const std::string& payload) {
    CAF_CHECK_EQUAL(payload, "x");
  });
  self->send(broker, unsubscribe_atom::value, std::string{"c"}, me);
  run();
  CAF_CHECK_EQUAL(request<uint64_t>(broker, publish_atom::value, std::string{"c"},
                                    std::string{"x"}),
                  0u);
}

CAF_TEST(tail and replay read back what was posted) {
  auto a = post("k", "a");
  auto b = post("k", "b");
  auto c = post("k", "c");
  auto tail = request<std::vector<stream_entry>>(broker, tail_atom::value, std::string{"k"},
                                                 uint64_t{2});
  CAF_REQUIRE_EQUAL(tail.size(), 2u);
  CAF_CHECK_EQUAL(tail[0].id, b);
  CAF_CHECK_EQUAL(tail[1].id, c);
  auto replay = request<stream_replay>(broker, replay_atom::value, std::string{"k"}, a,
                                       uint64_t{10});
  CAF_CHECK(replay.recovered);
  CAF_REQUIRE_EQUAL(replay.entries.size(), 2u);
  CAF_CHECK_EQUAL(replay.entries[0].id, b);
}

CAF_TEST(before pages back from an id to the first entry) {
  auto a = post("k", "a");
  auto b = post("k", "b");
  auto c = post("k", "c");
  auto before = [&](const std::string& id, uint64_t n) {
    auto page = request<std::vector<stream_entry>>(broker, before_atom::value, std::string{"k"},
                                                   id, n);
    strings ids;
    for (auto& e : page)
      ids.push_back(e.id);
    return ids;
  };
  CAF_CHECK_EQUAL(before(c, 1), strings{b});     // exclusive, the newest older ones
  CAF_CHECK_EQUAL(before(c, 10), (strings{a, b})); // oldest first
  CAF_CHECK(before(a, 10).empty());              // nothing before the first
  CAF_CHECK(before("0-0", 10).empty());
}

CAF_TEST(replay is not recovered once entries after the id were trimmed) {
  auto a = post("k", "a", 1);
  post("k", "b", 1);
  post("k", "c", 1); // trims b away, which came after a
  auto replay = request<stream_replay>(broker, replay_atom::value, std::string{"k"}, a,
                                       uint64_t{10});
  CAF_CHECK(!replay.recovered);
  auto bad = self->request(broker, caf::infinite, replay_atom::value, std::string{"k"},
                           std::string{"not an id"}, uint64_t{10});
  run();
  bad.receive([](const stream_replay&) { CAF_FAIL("a bad id was accepted"); },
              [](caf::error& err) { CAF_CHECK_EQUAL(to_ec(err), ec::invalid_frame); });
}

CAF_TEST(presence counts connections per user and says who left last) {
  auto key = std::string{"room:presence"};
  presence_conn ada1{"s1", "ada", R"({"id":"ada","name":"Ada"})"};
  presence_conn ada2{"s2", "ada", ada1.user_json};
  CAF_CHECK(request<bool>(broker, pres_add_atom::value, key, ada1, uint64_t{1000}));
  CAF_CHECK(!request<bool>(broker, pres_add_atom::value, key, ada2, uint64_t{1000}));
  auto users = request<std::vector<presence_user>>(broker, pres_list_atom::value, key);
  CAF_REQUIRE_EQUAL(users.size(), 1u);
  CAF_CHECK_EQUAL(users[0].connections, 2u);
  // Users, not connections.
  CAF_CHECK_EQUAL(request<uint64_t>(broker, pres_count_atom::value, key), 1u);
  CAF_CHECK(request<bool>(broker, pres_ping_atom::value, key, std::string{"s1"}, uint64_t{3000}));
  CAF_CHECK(!request<bool>(broker, pres_ping_atom::value, key, std::string{"nope"},
                           uint64_t{3000}));
  CAF_CHECK_EQUAL(request<std::string>(broker, pres_rm_atom::value, key, std::string{"s1"}), "");
  // s2 expires at 1000: a sweep at 2000 removes it, and with it Ada.
  CAF_CHECK_EQUAL(request<strings>(broker, pres_sweep_atom::value, key, uint64_t{2000}),
                  strings{ada1.user_json});
  CAF_CHECK(request<std::vector<presence_user>>(broker, pres_list_atom::value, key).empty());
  CAF_CHECK_EQUAL(request<uint64_t>(broker, pres_count_atom::value, key), 0u);
}

CAF_TEST(read marks only move forward) {
  auto key = std::string{"user:1:notifications"};
  auto get = [&] { return request<std::string>(broker, mark_get_atom::value, key,
                                               std::string{"ada"}); };
  auto set = [&](const char* id) {
    return request<std::string>(broker, mark_set_atom::value, key, std::string{"ada"},
                                std::string{id});
  };
  CAF_CHECK_EQUAL(get(), "");
  CAF_CHECK_EQUAL(set("5-0"), "5-0");
  CAF_CHECK_EQUAL(set("3-0"), "5-0");
  CAF_CHECK_EQUAL(get(), "5-0");
}

CAF_TEST(unlisten stops entries) {
  caf::scoped_actor receiver{sys, true};
  auto me = caf::actor_cast<stream_actor>(receiver);
  request<std::string>(broker, listen_atom::value, std::string{"k"}, me);
  self->send(broker, unlisten_atom::value, std::string{"k"}, me);
  run();
  post("k", "unheard");
  CAF_CHECK(!receiver->has_next_message());
}

CAF_TEST_FIXTURE_SCOPE_END()
