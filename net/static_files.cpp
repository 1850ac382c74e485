#include "net/static_files.hpp"

#include <fstream>
#include <sstream>

namespace sb {

namespace {

bool safe_name(std::string_view name) {
  if (name.empty() || name.size() > 100 || name[0] == '.')
    return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '.' && c != '-' && c != '_')
      return false;
  return true;
}

std::string content_type(std::string_view name) {
  auto dot = name.rfind('.');
  auto ext = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  if (ext == "html")
    return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs")
    return "text/javascript; charset=utf-8";
  if (ext == "css")
    return "text/css; charset=utf-8";
  if (ext == "svg")
    return "image/svg+xml";
  if (ext == "png")
    return "image/png";
  if (ext == "json")
    return "application/json";
  if (ext == "ts")
    return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

} // namespace

std::optional<std::string> static_files::relative_path(std::string_view path) const {
  if (path == "/" || path == "/index.html")
    return std::string{"demo/index.html"};
  if (path == "/switchboard.js" || path == "/switchboard.d.ts")
    return "client" + std::string{path};
  constexpr std::string_view demo = "/demo/";
  if (path.substr(0, demo.size()) == demo && safe_name(path.substr(demo.size())))
    return "demo/" + std::string{path.substr(demo.size())};
  return std::nullopt;
}

std::optional<static_file> static_files::find(std::string_view path) {
  auto rel = relative_path(path);
  if (!rel || root_.empty()) // an empty http.web-root turns static files off
    return std::nullopt;
  std::lock_guard<std::mutex> guard{mutex_};
  if (auto i = cache_.find(*rel); i != cache_.end())
    return i->second;
  std::ifstream in{root_ + "/" + *rel, std::ios::binary};
  if (!in)
    return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  auto& f = cache_[*rel] = static_file{body.str(), content_type(*rel)};
  return f;
}

} // namespace sb
