#include "redis/presence_store.hpp"

#include <nlohmann/json.hpp>

namespace sb {

bool presence_store::add(const std::string& key, const presence_conn& conn,
                         uint64_t expires_ms) {
  auto& s = streams_[key];
  auto [it, added] = s.conns.try_emplace(conn.conn);
  if (!added)
    s.by_expiry.erase({it->second.expires_ms, conn.conn});
  it->second = entry{conn.user_id, conn.user_json, expires_ms};
  s.by_expiry.emplace(expires_ms, conn.conn);
  return added && ++s.users[conn.user_id] == 1;
}

bool presence_store::refresh(const std::string& key, const std::string& conn,
                             uint64_t expires_ms) {
  auto s = streams_.find(key);
  if (s == streams_.end())
    return false;
  auto c = s->second.conns.find(conn);
  if (c == s->second.conns.end())
    return false;
  s->second.by_expiry.erase({c->second.expires_ms, conn});
  c->second.expires_ms = expires_ms;
  s->second.by_expiry.emplace(expires_ms, conn);
  return true;
}

std::optional<std::string> presence_store::remove(const std::string& key,
                                                  const std::string& conn) {
  auto s = streams_.find(key);
  if (s == streams_.end())
    return std::nullopt;
  auto c = s->second.conns.find(conn);
  if (c == s->second.conns.end())
    return std::nullopt;
  auto e = std::move(c->second);
  s->second.by_expiry.erase({e.expires_ms, conn});
  s->second.conns.erase(c);
  std::optional<std::string> left;
  if (auto u = s->second.users.find(e.user_id); u != s->second.users.end() && --u->second == 0) {
    s->second.users.erase(u);
    left = std::move(e.user_json);
  }
  if (s->second.conns.empty())
    streams_.erase(s); // short-lived streams leave nothing behind
  return left;
}

std::vector<std::string> presence_store::sweep(const std::string& key, uint64_t now_ms) {
  std::vector<std::string> expired;
  if (auto s = streams_.find(key); s != streams_.end())
    for (auto& [expires, conn] : s->second.by_expiry) {
      if (expires > now_ms)
        break;
      expired.push_back(conn);
    }
  std::vector<std::string> left;
  for (auto& conn : expired)
    if (auto user = remove(key, conn))
      left.push_back(std::move(*user));
  return left;
}

std::vector<presence_user> count_connections(const std::vector<std::string>& user_jsons) {
  std::map<std::string, presence_user> by_user;
  for (auto& text : user_jsons) {
    auto user = nlohmann::json::parse(text, nullptr, false);
    if (!user.is_object() || !user.contains("id"))
      continue;
    auto& u = by_user[user["id"].dump()];
    u.user_json = text;
    ++u.connections;
  }
  std::vector<presence_user> out;
  for (auto& [id, u] : by_user)
    out.push_back(std::move(u));
  return out;
}

uint64_t presence_store::count(const std::string& key) const {
  auto i = streams_.find(key);
  return i == streams_.end() ? 0 : i->second.users.size();
}

std::vector<presence_user> presence_store::list(const std::string& key) const {
  std::vector<std::string> users;
  if (auto s = streams_.find(key); s != streams_.end())
    for (auto& [conn, e] : s->second.conns)
      users.push_back(e.user_json);
  return count_connections(users);
}

} // namespace sb
