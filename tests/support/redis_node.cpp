#include "tests/support/redis_node.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

namespace sb::test {

std::vector<std::string> redis_tuning_args(const std::string& node,
                                           const std::string& backoff_max) {
  return {"--broker=redis",
          "--redis.backoff-max=" + backoff_max,
          "--redis.connect-timeout=500ms",
          "--redis.command-timeout=1s",
          "--node.id=" + node,
          "--limits.commands-per-second=0"};
}

std::vector<std::string> redis_node_args(const redis_server& redis, const std::string& node,
                                         const std::string& backoff_max,
                                         const std::vector<std::string>& extra) {
  auto args = redis_tuning_args(node, backoff_max);
  args.push_back("--redis.url=" + redis.url());
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<send_outcome> send_all(chat_peer& peer, const std::vector<std::string>& texts,
                                   size_t window,
                                   const std::function<void(size_t)>& before_send) {
  std::vector<send_outcome> out(texts.size());
  size_t sent = 0;
  size_t answered = 0;
  const std::string prefix = "fault-" + std::to_string(reinterpret_cast<uintptr_t>(&out)) + "-";
  while (answered < texts.size()) {
    while (sent < texts.size() && sent - answered < window) {
      before_send(sent);
      peer.ws.send_json(send_command(peer.stream, texts[sent], prefix + std::to_string(sent)));
      ++sent;
    }
    auto f = peer.ws.read_json();
    auto type = f.value("type", "");
    if (type != "ack" && type != "error") continue;
    auto ref = f.value("ref", "");
    if (ref.rfind(prefix, 0) != 0) continue;
    auto& o = out.at(std::stoul(ref.substr(prefix.size())));
    EXPECT_TRUE(o.kind.empty()) << "two replies to " << ref;
    o.kind = type == "ack" ? "ack" : f.value("code", "?");
    if (type == "ack") o.id = f.value("id", "");
    ++answered;
  }
  return out;
}

std::vector<std::string> texts(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back(prefix + std::to_string(i));
  return out;
}

send_outcome send_and_wait(chat_peer& peer, const std::string& text, const std::string& ref) {
  auto start = std::chrono::steady_clock::now();
  peer.ws.send_json(send_command(peer.stream, text, ref));
  auto reply = peer.ws.read_until([&](const json& f) {
    return is_ack(f, ref) || is_error(f, ref);
  }).back();
  send_outcome out;
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - start);
  out.kind = is_ack(reply, ref) ? "ack" : reply.value("code", "?");
  out.id = reply.value("id", "");
  return out;
}

std::string send_once(chat_peer& peer, const std::string& text, const std::string& ref) {
  return send_and_wait(peer, text, ref).kind;
}

std::vector<std::string> send_until_acked(chat_peer& peer, const std::string& prefix,
                                          size_t count, std::chrono::milliseconds within) {
  std::vector<std::string> acked;
  auto deadline = std::chrono::steady_clock::now() + within;
  for (int i = 0; acked.size() < count && std::chrono::steady_clock::now() < deadline; ++i) {
    auto text = prefix + std::to_string(i);
    auto outcome = send_once(peer, text, text);
    if (outcome == "ack") {
      acked.push_back(text);
      continue;
    }
    EXPECT_EQ(outcome, "unavailable") << text;
    std::this_thread::sleep_for(std::chrono::milliseconds(20)); // a paced retry
  }
  return acked;
}

std::vector<std::string> read_messages_until(chat_peer& peer, const std::string& text,
                                             const std::string& who) {
  std::vector<std::string> seen;
  try {
    peer.ws.read_until([&](const json& f) {
      if (!is_event(f, "message", peer.stream)) return false;
      seen.push_back(f["data"]["text"].get<std::string>());
      return seen.back() == text;
    });
  } catch (const std::exception& e) {
    ADD_FAILURE() << who << " never got \"" << text << "\": " << e.what() << "; seen "
                  << json(seen);
  }
  return seen;
}

std::vector<std::string> read_ids_until(chat_peer& peer, const std::string& last_id,
                                        const std::string& who) {
  std::vector<std::string> seen;
  try {
    peer.ws.read_until([&](const json& f) {
      if (!is_event(f, "message", peer.stream)) return false;
      seen.push_back(f.value("id", "<no id>"));
      return seen.back() == last_id;
    }, 100'000);
  } catch (const std::exception& e) {
    ADD_FAILURE() << who << " never got " << last_id << ": " << e.what() << "; seen "
                  << json(seen);
  }
  return seen;
}

std::vector<std::string> stored_ids(redis_server& redis, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& e : redis.command({"XRANGE", key, "-", "+"}))
    out.push_back(e[0].get<std::string>());
  return out;
}

} // namespace sb::test
