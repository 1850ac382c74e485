// The topic (actors/topic, run by its shard, actors/topic_shard): a member
// sees nothing until it activates, then its catch-up, then what was held
// for it, then everything live; ids at or below its floor never reach it;
// the last member leaving drops the topic and its subscription, and a join
// right after gets a live topic again; leave is answered after the
// member's last frame; coalesced events go out at most once a tick, the
// newest only; announcements skip a topic with more members than they
// allow; the registry gathers every topic's report for `ctl topics`; a
// topic keeps its key once and refuses a key that is not <stream>:<plugin>;
// members that ask for a pulse get `tick` from it, one active one as lead.
#define CAF_SUITE topic
#include "tests/actors/fixture.hpp"

#include "actors/topic_shard.hpp"
#include "core/envelope.hpp"
#include "core/event_codec.hpp"

using namespace sb;
using namespace sb::test;

namespace {

const std::string stream = "room:1";
const std::string key = "room:1:chat";

struct topic_fixture : actor_fixture {
  topic_fixture() : sink(std::make_shared<recording_sink>()) {
  }

  /// `who` joins through the registry as a member with `s` (on `socket`, or
  /// the fixture's), saying it tells its end or not; returns the topic.
  membership_actor join(const caf::scoped_actor& who, strategy s,
                        std::shared_ptr<recording_sink> socket = nullptr, bool tells = false) {
    topic_member member{caf::actor_cast<caf::strong_actor_ptr>(who), socket ? socket : sink, s,
                        tells, make_identity("sock-1", {"u1", "u1"})};
    topic_join j{topic_request{key, stream, "chat", "message", s, 0, tells}, member};
    auto rp = who->request(registry, caf::infinite, join_atom::value, std::move(j));
    run();
    membership_actor result;
    rp.receive([&](membership_actor& t) { result = std::move(t); },
               [&](caf::error& err) { CAF_FAIL("join failed: " << sys.render(err)); });
    return result;
  }

  /// A second member, `who`, on its own socket, active at once.
  void join_other(const caf::scoped_actor& who, const std::shared_ptr<recording_sink>& socket) {
    auto t = join(who, strategy::pub_sub, socket);
    who->send(t, activate_atom::value, std::string{}, std::vector<std::string>{});
    run();
  }

  /// The shard behind a membership handle, as the broker and registry see it.
  topic_shard_actor full(const membership_actor& t) {
    return caf::actor_cast<topic_shard_actor>(t);
  }

  /// The reports of the shard's topics (`ctl topics`).
  std::vector<topic_report> reports(const membership_actor& t) {
    auto rp = self->request(full(t), caf::infinite, topics_atom::value);
    run();
    std::vector<topic_report> out;
    rp.receive([&](std::vector<topic_report>& r) { out = std::move(r); },
               [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return out;
  }

  /// How many receivers the memory broker has on the channel `key`.
  uint64_t receivers() {
    auto rp = self->request(broker, caf::infinite, publish_atom::value, key,
                            encode_published("ping", {}, "{}"));
    run();
    uint64_t n = 0;
    rp.receive([&](uint64_t x) { n = x; }, [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return n;
  }

  /// The event frame the topic writes for a published chat message.
  static std::string pubsub_frame(const std::string& text) {
    return event_frame("chat", stream, "message", {}, R"({"text":")" + text + R"("})");
  }

  std::shared_ptr<recording_sink> sink;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(topic_tests, topic_fixture)

CAF_TEST(a member sees its catch-up then what was held then live events) {
  auto t = join(self, strategy::pub_sub);
  auto held = encode_published("message", {}, R"({"text":"held"})");
  self->send(broker, publish_atom::value, key, held);
  expect((publish_atom, std::string, std::string), from(_).to(broker).with(_, key, held));
  expect((message_atom, std::string, std::string), from(broker).to(full(t)).with(_, key, held));
  CAF_CHECK(sink->frames.empty()); // pending: held back
  self->send(t, activate_atom::value, std::string{},
             std::vector<std::string>{"catch-up 1", "catch-up 2"});
  expect((activate_atom, std::string, std::vector<std::string>),
         from(_).to(t).with(_, std::string{}, _));
  CAF_CHECK_EQUAL(sink->frames,
                  (std::vector<std::string>{"catch-up 1", "catch-up 2", pubsub_frame("held")}));
  auto live = encode_published("message", {}, R"({"text":"live"})");
  self->send(broker, publish_atom::value, key, live);
  expect((publish_atom, std::string, std::string), from(_).to(broker).with(_, key, live));
  expect((message_atom, std::string, std::string), from(broker).to(full(t)).with(_, key, live));
  CAF_REQUIRE_EQUAL(sink->frames.size(), 4u);
  CAF_CHECK_EQUAL(sink->frames.back(), pubsub_frame("live"));
}

CAF_TEST(entries at or below the floor never reach the member) {
  auto t = join(self, strategy::streams);
  auto entry = [](const std::string& id, const std::string& text) {
    return stream_entry{id, {"event", "message", "data", R"({"text":")" + text + R"("})"}};
  };
  // The listener lags behind the member's catch-up read, which ended at 5-0.
  for (auto& [id, text] : std::vector<std::pair<std::string, std::string>>{
         {"4-0", "old"}, {"5-0", "in the catch-up"}, {"6-0", "new"}})
    caf::anon_send(full(t), entry_atom::value, key, entry(id, text));
  run();
  CAF_CHECK(sink->frames.empty());
  self->send(t, activate_atom::value, std::string{"5-0"}, std::vector<std::string>{"catch-up"});
  expect((activate_atom, std::string, std::vector<std::string>), from(_).to(t).with(_, "5-0", _));
  CAF_REQUIRE_EQUAL(sink->frames.size(), 2u);
  CAF_CHECK_EQUAL(sink->frames[0], "catch-up");
  CAF_CHECK(sink->frames[1].find(R"("id":"6-0")") != std::string::npos);
  // Live now, and still nothing at or below the floor.
  caf::anon_send(full(t), entry_atom::value, key, entry("5-0", "again"));
  caf::anon_send(full(t), entry_atom::value, key, entry("7-0", "newer"));
  run();
  CAF_REQUIRE_EQUAL(sink->frames.size(), 3u);
  CAF_CHECK(sink->frames[2].find(R"("id":"7-0")") != std::string::npos);
}

CAF_TEST(a stored event on the channel reaches pub-sub members only) {
  auto t = join(self, strategy::streams);
  self->send(t, activate_atom::value, std::string{}, std::vector<std::string>{});
  run();
  // A streams member reads the stream; the channel copy (with an id) is not for it.
  caf::anon_send(full(t), message_atom::value, key,
                 encode_published("message", "9-0", R"({"text":"stored"})"));
  run();
  CAF_CHECK(sink->frames.empty());
}

CAF_TEST(the last member leaving drops the topic and its subscription) {
  auto t = join(self, strategy::pub_sub);
  CAF_CHECK_EQUAL(reports(t).size(), 1u);
  CAF_CHECK_EQUAL(receivers(), 1u);
  self->send(t, leave_atom::value);
  expect((leave_atom), from(_).to(t));
  expect((unsubscribe_atom, std::string, channel_actor), from(full(t)).to(broker).with(_, key, _));
  run();
  CAF_CHECK(reports(t).empty());
  CAF_CHECK_EQUAL(receivers(), 0u);
}

CAF_TEST(a topic names its stream and plugin by its key) {
  // The topic keeps one string, `<stream>:<plugin>`: a join whose key is
  // not that is refused, and an event frame names both parts.
  topic_member member{caf::actor_cast<caf::strong_actor_ptr>(self), sink, strategy::pub_sub,
                      false, make_identity("sock-1", {"u1", "u1"})};
  auto rp = self->request(registry, caf::infinite, join_atom::value,
                          topic_join{topic_request{"room:1:other", stream, "chat", "message",
                                                   strategy::pub_sub},
                                     member});
  run();
  rp.receive([&](membership_actor&) { CAF_FAIL("a join with a wrong key was taken"); },
             [&](caf::error& err) { CAF_CHECK(to_ec(err) == ec::internal); });
  auto t = join(self, strategy::pub_sub);
  auto listed = reports(t); // not a temporary: CAF_CHECK_EQUAL keeps references
  CAF_REQUIRE_EQUAL(listed.size(), 1u);
  CAF_CHECK_EQUAL(listed[0].key, key);
  self->send(t, activate_atom::value, std::string{}, std::vector<std::string>{});
  run();
  self->send(broker, publish_atom::value, key, encode_published("message", {}, R"({"text":"hi"})"));
  run();
  CAF_REQUIRE_EQUAL(sink->frames.size(), 1u);
  auto frame = nlohmann::json::parse(sink->frames[0]);
  CAF_CHECK_EQUAL(frame["client"].get<std::string>(), "chat");
  CAF_CHECK_EQUAL(frame["stream"].get<std::string>(), stream);
}

CAF_TEST(members that ask for a pulse get a tick from their topic) {
  // One timer per topic, not per member (presence's heartbeat): each
  // member gets tick every pulse_ms, one active member as the lead; none
  // after the last one left.
  topic_member member{caf::actor_cast<caf::strong_actor_ptr>(self), sink, strategy::pub_sub,
                      false, make_identity("sock-1", {"u1", "u1"})};
  topic_request request{key, stream, "chat", "message", strategy::pub_sub, 10'000};
  auto rp = self->request(registry, caf::infinite, join_atom::value,
                          topic_join{request, member});
  sched.run();
  membership_actor t;
  rp.receive([&](membership_actor& x) { t = std::move(x); },
             [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_CHECK(self->mailbox().empty()); // nothing before the first pulse
  // Not active yet: a tick, but not the lead.
  sched.clock().advance_time(std::chrono::seconds(10));
  sched.run();
  expect((tick_atom, bool), from(_).to(self).with(_, false));
  self->send(t, activate_atom::value, std::string{}, std::vector<std::string>{});
  sched.run();
  expect((ok_atom), from(_).to(self)); // activate's answer
  caf::scoped_actor other{sys, true};
  topic_member second{caf::actor_cast<caf::strong_actor_ptr>(other),
                      std::make_shared<recording_sink>(), strategy::pub_sub, false,
                      make_identity("sock-2", {"u2", "u2"})};
  other->send(registry, join_atom::value, topic_join{request, second});
  sched.run(); // messages only: the fixture's run() would fire the pulse too
  other->send(t, activate_atom::value, std::string{}, std::vector<std::string>{});
  sched.run();
  sched.clock().advance_time(std::chrono::seconds(10));
  sched.run();
  // Both get a tick; one of the two active members is the lead.
  int ticks = 0, leads = 0;
  auto count = [&](tick_atom, bool lead) { ++ticks; leads += lead ? 1 : 0; };
  for (auto* who : {&self, &other}) // and join's and activate's answers
    while (!(*who)->mailbox().empty())
      (*who)->receive(count, [](membership_actor&) {}, [](ok_atom) {});
  CAF_CHECK_EQUAL(ticks, 2);
  CAF_CHECK_EQUAL(leads, 1);
  other->send(t, leave_atom::value);
  sched.run();
  self->send(t, leave_atom::value);
  sched.run();
  expect((ok_atom), from(_).to(self)); // leave's answer
  sched.clock().advance_time(std::chrono::seconds(10));
  sched.run();
  CAF_CHECK(self->mailbox().empty());
}

CAF_TEST(a join right after the last leave gets a live topic again) {
  auto t = join(self, strategy::pub_sub);
  caf::scoped_actor other{sys, true};
  // The second join is on its way while the first member leaves.
  topic_member member{caf::actor_cast<caf::strong_actor_ptr>(other), sink, strategy::pub_sub,
                      false, make_identity("sock-2", {"u2", "u2"})};
  auto second = other->request(registry, caf::infinite, join_atom::value,
                               topic_join{topic_request{key, stream, "chat", "message",
                                                        strategy::pub_sub},
                                          member});
  self->send(t, leave_atom::value);
  expect((leave_atom), from(_).to(t));
  run();
  membership_actor again;
  second.receive([&](membership_actor& x) { again = std::move(x); },
                 [&](caf::error& err) { CAF_FAIL("second join failed: " << sys.render(err)); });
  CAF_CHECK_EQUAL(again, t); // the same shard
  other->send(again, activate_atom::value, std::string{}, std::vector<std::string>{});
  run();
  self->send(broker, publish_atom::value, key,
             encode_published("message", {}, R"({"text":"still here"})"));
  run();
  CAF_REQUIRE_EQUAL(sink->frames.size(), 1u);
  CAF_CHECK_EQUAL(sink->frames[0], pubsub_frame("still here"));
  CAF_CHECK_EQUAL(receivers(), 1u);
}

CAF_TEST(a member that dies leaves its topic) {
  membership_actor t;
  {
    caf::scoped_actor gone{sys, true};
    t = join(gone, strategy::pub_sub);
  }
  run();
  CAF_CHECK(reports(t).empty());
  CAF_CHECK_EQUAL(receivers(), 0u);
}

CAF_TEST(a member that activated still leaves when it dies unless it tells its end) {
  // Only a member that joined saying it tells its end (plugin_base does)
  // loses its monitor when it activates.
  membership_actor t;
  {
    caf::scoped_actor gone{sys, true};
    t = join(gone, strategy::pub_sub);
    gone->send(t, activate_atom::value, std::string{}, std::vector<std::string>{});
    run();
    CAF_REQUIRE_EQUAL(reports(t).size(), 1u);
  }
  run();
  CAF_CHECK(reports(t).empty());
  CAF_CHECK_EQUAL(receivers(), 0u);
}

CAF_TEST(a member that tells its end is not monitored once active) {
  membership_actor t;
  caf::actor_addr addr;
  {
    caf::scoped_actor quiet{sys, true};
    addr = quiet.address();
    t = join(quiet, strategy::pub_sub, nullptr, true);
    quiet->send(t, activate_atom::value, std::string{}, std::vector<std::string>{});
    run();
  }
  run(); // it ended without saying so: the topic still holds it
  CAF_CHECK_EQUAL(reports(t).size(), 1u);
  // What ~plugin_base sends.
  caf::anon_send(caf::actor_cast<caf::actor>(t), caf::down_msg{addr, caf::exit_reason::kill});
  run();
  CAF_CHECK(reports(t).empty());
  CAF_CHECK_EQUAL(receivers(), 0u);
}

CAF_TEST(leave is answered and nothing of the topic follows the answer) {
  auto t = join(self, strategy::pub_sub);
  self->send(t, activate_atom::value, std::string{}, std::vector<std::string>{});
  caf::scoped_actor other{sys, true};
  auto other_sink = std::make_shared<recording_sink>();
  join_other(other, other_sink); // keeps the topic alive
  self->send(broker, publish_atom::value, key,
             encode_published("message", {}, R"({"text":"before"})"));
  run();
  CAF_REQUIRE_EQUAL(sink->frames.size(), 1u);
  auto left = self->request(t, caf::infinite, leave_atom::value);
  expect((leave_atom), from(_).to(t));
  bool answered = false;
  left.receive([&](ok_atom) { answered = true; },
               [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_CHECK(answered);
  self->send(broker, publish_atom::value, key,
             encode_published("message", {}, R"({"text":"after"})"));
  run();
  CAF_CHECK_EQUAL(sink->frames.size(), 1u); // the one that left gets nothing more
  CAF_REQUIRE_EQUAL(other_sink->frames.size(), 2u);
  CAF_CHECK_EQUAL(other_sink->frames[1], pubsub_frame("after"));
}

CAF_TEST(coalesced events go out at once then once a tick with the newest only) {
  auto t = join(self, strategy::pub_sub);
  self->send(t, activate_atom::value, std::string{}, std::vector<std::string>{});
  auto count = [](int n) {
    return encode_published("count", {}, R"({"count":)" + std::to_string(n) + "}",
                            publish_options{true, 0});
  };
  auto frame_of = [](int n) {
    return event_frame("chat", stream, "count", {}, R"({"count":)" + std::to_string(n) + "}");
  };
  self->send(broker, publish_atom::value, key, count(1));
  run();
  CAF_CHECK_EQUAL(sink->frames, (std::vector<std::string>{frame_of(1)}));
  // Within the same second: held, and only the newest is kept.
  self->send(broker, publish_atom::value, key, count(2));
  self->send(broker, publish_atom::value, key, count(3));
  sched.run(); // every message, but not the tick yet
  CAF_CHECK_EQUAL(sink->frames.size(), 1u);
  CAF_REQUIRE(trigger_timeout()); // the topic's tick
  expect((tick_atom, std::string), from(_).to(full(t)).with(_, key));
  CAF_CHECK_EQUAL(sink->frames, (std::vector<std::string>{frame_of(1), frame_of(3)}));
}

CAF_TEST(an announcement skips a topic with more members than it allows) {
  auto t = join(self, strategy::pub_sub);
  self->send(t, activate_atom::value, std::string{}, std::vector<std::string>{});
  caf::scoped_actor other{sys, true};
  auto other_sink = std::make_shared<recording_sink>();
  join_other(other, other_sink);
  auto joined = [](uint64_t max_members) {
    return encode_published("joined", {}, R"({"user":{"id":"u3"}})",
                            publish_options{false, max_members});
  };
  self->send(broker, publish_atom::value, key, joined(1)); // two members: too many
  run();
  CAF_CHECK(sink->frames.empty());
  CAF_CHECK(other_sink->frames.empty());
  self->send(broker, publish_atom::value, key, joined(2));
  run();
  CAF_CHECK_EQUAL(sink->frames.size(), 1u);
  CAF_CHECK_EQUAL(other_sink->frames.size(), 1u);
}

CAF_TEST(the registry reports every topic with its members and events) {
  auto t = join(self, strategy::pub_sub);
  caf::scoped_actor other{sys, true};
  join_other(other, std::make_shared<recording_sink>());
  self->send(broker, publish_atom::value, key, encode_published("message", {}, R"({"a":1})"));
  run();
  auto rp = self->request(registry, caf::infinite, topics_atom::value);
  expect((topics_atom), from(self).to(registry));
  run();
  rp.receive(
    [&](const std::vector<topic_report>& topics) {
      CAF_REQUIRE_EQUAL(topics.size(), 1u);
      CAF_CHECK_EQUAL(topics[0].key, key);
      CAF_CHECK_EQUAL(topics[0].strategy, "pub-sub");
      CAF_CHECK_EQUAL(topics[0].members, 2u);
      CAF_CHECK_EQUAL(topics[0].delivered, 1u); // once, not once per member
    },
    [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
}

CAF_TEST(a stored event is counted once though it comes by channel and stream) {
  auto t = join(self, strategy::streams);
  self->send(t, activate_atom::value, std::string{}, std::vector<std::string>{});
  run();
  caf::anon_send(full(t), message_atom::value, key,
                 encode_published("message", "9-0", R"({"text":"stored"})"));
  caf::anon_send(full(t), entry_atom::value, key,
                 stream_entry{"9-0", {"event", "message", "data", R"({"text":"stored"})"}});
  run();
  auto r = reports(t);
  CAF_REQUIRE_EQUAL(r.size(), 1u);
  CAF_CHECK_EQUAL(r[0].delivered, 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
