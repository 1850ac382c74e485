#include "redis/command_pipeline.hpp"

namespace sb {

namespace {

bool noscript(const reply_ptr& r) {
  return r && reply::is_error(r.get()) && reply::str(r.get()).rfind("NOSCRIPT", 0) == 0;
}

} // namespace

command_pipeline::command_pipeline(size_t shards) : shards_(shards) {
}

void command_pipeline::add(size_t shard, std::vector<argv> commands, done_fn done) {
  shards_[shard].items.push_back(item{std::move(commands), std::move(done), nullptr, {}, false});
  ++size_;
}

void command_pipeline::add_wait(size_t shard, argv command, done_fn done) {
  shards_[shard].items.push_back(item{{std::move(command)}, std::move(done), nullptr, {}, true});
  ++size_;
}

void command_pipeline::add_script(size_t shard, const lua_script& s,
                                  const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args, done_fn done,
                                  refresh_fn refresh) {
  argv cmd{"EVALSHA", s.sha, std::to_string(keys.size())};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  shards_[shard].items.push_back(
    item{{std::move(cmd)}, std::move(done), &s, std::move(refresh), false});
  ++size_;
}

bool command_pipeline::run(size_t shard, redis_client& client) {
  auto& q = shards_[shard];
  auto items = std::move(q.items);
  q.items.clear();
  size_ -= items.size();
  // Every command in order, with a SCRIPT LOAD before the first use of a
  // script this connection has not loaded.
  std::vector<argv> commands;
  std::vector<std::pair<size_t, const lua_script*>> loads; // position, script
  for (auto& it : items) {
    if (it.script) {
      auto& gen = q.loaded[it.script->sha];
      if (gen != client.generation()) {
        gen = client.generation(); // once per batch; confirmed below
        loads.emplace_back(commands.size(), it.script);
        commands.push_back({"SCRIPT", "LOAD", it.script->body});
      }
    }
    if (it.refresh)
      it.refresh(it.commands.front());
    for (auto& c : it.commands)
      commands.push_back(std::move(c));
  }
  auto all = client.pipeline(commands);
  for (auto& [pos, s] : loads)
    if (!all[pos] || reply::is_error(all[pos].get()))
      q.loaded.erase(s->sha); // load it again next time
  bool whole = all.empty() || all.back() != nullptr;
  auto written = client.generation(); // the connection the batch went out on
  bool resent = false;                // a script of it ran again, after it
  size_t at = 0;
  auto load = loads.begin();
  for (auto& it : items) {
    replies mine;
    for (size_t i = 0; i < it.commands.size(); ++i, ++at) {
      if (load != loads.end() && load->first == at) {
        ++at; // the SCRIPT LOAD's reply
        ++load;
      }
      if (it.script && noscript(all[at])) {
        // Loaded above, yet gone (SCRIPT FLUSH meanwhile): the body again.
        q.loaded.erase(it.script->sha);
        commands[at][0] = "EVAL";
        commands[at][1] = it.script->body;
        all[at] = client.command(commands[at]);
        resent = true;
      } else if (redirect_ && all[at] && reply::is_error(all[at].get())
                 && redirect_(shard, commands[at], it.script, all[at])) {
        // followed to the node that serves it now
      } else if (it.counts_writes && resent && all[at]) {
        all[at] = client.command(commands[at]); // after the script sent again
      }
      if (it.counts_writes && client.generation() != written)
        all[at] = nullptr; // a new connection's count says nothing of the old one's writes
      mine.push_back(std::move(all[at]));
    }
    it.done(mine);
  }
  return whole && client.connected();
}

void command_pipeline::fail(size_t shard) {
  auto& q = shards_[shard];
  auto items = std::move(q.items);
  q.items.clear();
  size_ -= items.size();
  for (auto& it : items) {
    replies none(it.commands.size());
    it.done(none);
  }
}

} // namespace sb
