#include "actors/stream_consumer.hpp"

#include <caf/all.hpp>
#include <random>

#include "core/consumer_rules.hpp"
#include "core/log.hpp"

namespace sb {

namespace {

using pointer = stream_consumer_actor::stateful_pointer<stream_consumer_state>;

/// How long a request to the reader may take: Redis' command timeout and a
/// reconnect, with room to spare.
constexpr auto reader_timeout = std::chrono::seconds(10);

void take(pointer self);

double unit_random() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>{0.0, 1.0}(rng);
}

/// Forgets the batch: its entries stay pending in Redis, where the next
/// take finds them again (ours) or another worker has them (theirs).
void drop(pointer self, const std::string& why) {
  auto& st = self->state;
  log::warning("consumer", st.cfg.consumer, " on ", st.cfg.key, " lets go of ", st.batch.size(),
               " entries: ", why);
  st.batch.clear();
  st.failures = 0;
  ++st.generation;
  st.working = false;
}

void arm_touch(pointer self) {
  auto& st = self->state;
  if (st.touch_armed)
    return;
  st.touch_armed = true;
  self->delayed_send(self, st.cfg.claim_after / 3, touch_atom::value, st.generation);
}

void post(pointer self);

/// The first entry is done with (acknowledged or buried): on to the next.
void next(pointer self) {
  auto& st = self->state;
  st.batch.pop_front();
  st.failures = 0;
  st.working = false;
  if (st.batch.empty())
    return take(self); // there may be more behind the batch
  post(self);
}

/// Runs a request to the reader on the first entry; `next` when it succeeds.
template <class... Ts>
void settle(pointer self, const char* what, Ts&&... xs) {
  auto& st = self->state;
  auto gen = st.generation;
  st.working = true;
  self->request(st.reader, reader_timeout, std::forward<Ts>(xs)...)
    .then(
      [self, gen](ok_atom) {
        if (gen == self->state.generation)
          next(self);
      },
      [self, gen, what](caf::error& err) {
        if (gen == self->state.generation)
          drop(self, std::string{what} + " failed: " + self->system().render(err));
      });
}

void ack(pointer self) {
  auto& st = self->state;
  settle(self, "XACK", ack_atom::value, st.cfg.key, st.batch.front().id);
}

void bury(pointer self) {
  auto& st = self->state;
  auto& e = st.batch.front();
  log::warning("consumer", st.cfg.consumer, " gives up on ", st.cfg.key, " ", e.id, " after ",
               st.failures, " attempts (", st.last_error, "): to ", dead_letter_key(st.cfg.consumer));
  settle(self, "dead-letter", bury_atom::value, st.cfg.key, e.id,
         dead_letter_fields(st.cfg.key, e, st.cfg.worker, st.failures, st.last_error));
}

void answered(pointer self, const backend_response& res) {
  auto& st = self->state;
  if (delivered(res.status))
    return ack(self);
  ++st.failures;
  st.last_error = failure_text(res.status, res.error);
  if (st.failures >= st.cfg.max_attempts)
    return bury(self);
  auto wait = retry_delay(st.failures, st.cfg.retry_delay, unit_random());
  log::info("consumer", st.cfg.consumer, " on ", st.cfg.key, " ", st.batch.front().id,
            " failed (", st.last_error, "), attempt ", st.failures, " of ", st.cfg.max_attempts,
            "; again in ", wait.count(), " ms");
  st.working = true; // until the timer
  self->delayed_send(self, wait, retry_atom::value, st.generation);
}

/// POSTs the first entry; an entry deleted while pending is only acknowledged.
void post(pointer self) {
  auto& st = self->state;
  auto& e = st.batch.front();
  if (e.fields.empty())
    return ack(self);
  auto gen = st.generation;
  st.working = true;
  self->request(st.backend, st.cfg.timeout + std::chrono::seconds(1), backend_atom::value,
                st.cfg.consumer, webhook_body(st.cfg.key, e, st.cfg.default_event))
    .then(
      [self, gen](backend_response& res) {
        if (gen == self->state.generation)
          answered(self, res);
      },
      [self, gen](caf::error& err) {
        if (gen == self->state.generation)
          answered(self, {0, {}, self->system().render(err)});
      });
}

void took(pointer self, group_batch& b) {
  auto& st = self->state;
  st.working = false;
  if (b.gone) {
    log::info("consumer", st.cfg.consumer, " stops on ", st.cfg.key, ": the key is gone");
    return self->quit();
  }
  if (b.entries.empty()) {
    if (st.again)
      take(self);
    return;
  }
  st.batch.assign(std::make_move_iterator(b.entries.begin()),
                  std::make_move_iterator(b.entries.end()));
  st.failures = 0;
  arm_touch(self);
  post(self);
}

void take(pointer self) {
  auto& st = self->state;
  st.again = false;
  st.working = true;
  auto gen = st.generation;
  self->request(st.reader, reader_timeout, take_atom::value, st.cfg.key)
    .then(
      [self, gen](group_batch& b) {
        if (gen == self->state.generation)
          took(self, b);
      },
      [self, gen](caf::error&) {
        if (gen == self->state.generation)
          self->state.working = false; // Redis is away: the next wake-up tries again
      });
}

/// The touch timer: keeps the batch ours, or learns that it is not.
void touch(pointer self, uint64_t gen) {
  auto& st = self->state;
  st.touch_armed = false;
  if (gen != st.generation || st.batch.empty())
    return;
  auto expected = st.batch.size();
  self->request(st.reader, reader_timeout, touch_atom::value, st.cfg.key)
    .then(
      [self, gen, expected](uint64_t held) {
        auto& s = self->state;
        if (gen != s.generation || s.batch.empty())
          return;
        // Fewer may be held once an acknowledgement overtook this answer;
        // none means another worker took the stream over.
        if (held == 0 && s.batch.size() == expected)
          return drop(self, "another worker took the stream over");
        arm_touch(self);
      },
      [self, gen](caf::error&) {
        if (gen == self->state.generation)
          arm_touch(self);
      });
}

} // namespace

stream_consumer_actor::behavior_type
stream_consumer(stream_consumer_actor::stateful_pointer<stream_consumer_state> self,
                stream_consumer_config cfg, consumer_reader_actor reader,
                backend_actor backend) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.reader = std::move(reader);
  st.backend = std::move(backend);
  return {
    [self](wake_atom) {
      auto& s = self->state;
      if (s.working || !s.batch.empty())
        s.again = true;
      else
        take(self);
    },
    [self](retry_atom, uint64_t gen) {
      if (gen == self->state.generation && !self->state.batch.empty())
        post(self);
    },
    [self](touch_atom, uint64_t gen) { touch(self, gen); },
  };
}

} // namespace sb
