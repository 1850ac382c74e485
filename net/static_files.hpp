#pragma once
// The few files the server serves from `http.web-root`: the demo page at
// `/`, its assets under `/demo/`, and the JavaScript client at
// `/switchboard.js`. Names are checked against a strict alphabet (no path
// traversal) and files are cached in memory after the first read.

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sb {

struct static_file {
  std::string body;
  std::string content_type;
};

class static_files {
public:
  explicit static_files(std::string root) : root_(std::move(root)) {
  }

  /// The file for a request path, or nullopt (404).
  std::optional<static_file> find(std::string_view path);

private:
  std::optional<std::string> relative_path(std::string_view path) const;

  std::string root_;
  std::mutex mutex_;
  std::unordered_map<std::string, static_file> cache_;
};

} // namespace sb
