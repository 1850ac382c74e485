#include "redis/lua_script.hpp"

#include <openssl/evp.h>

namespace sb {

lua_script::lua_script(std::string text) : body(std::move(text)) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), digest, &len, EVP_sha1(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned i = 0; i < len; ++i) {
    sha += hex[digest[i] >> 4];
    sha += hex[digest[i] & 15];
  }
}

reply_ptr eval_lua(const std::function<reply_ptr(const std::vector<std::string>&)>& run,
                   const lua_script& s, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args) {
  std::vector<std::string> argv{"EVALSHA", s.sha, std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  auto rep = run(argv);
  if (rep && reply::is_error(rep.get()) && reply::str(rep.get()).rfind("NOSCRIPT", 0) == 0) {
    argv[0] = "EVAL";
    argv[1] = s.body;
    rep = run(argv);
  }
  return rep;
}

} // namespace sb
