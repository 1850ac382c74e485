#include "net/ws_handshake.hpp"

#include <openssl/evp.h>

namespace sb::ws {

namespace {

constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string base64(const unsigned char* data, size_t n) {
  static constexpr char table[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t chunk = data[i] << 16;
    if (i + 1 < n)
      chunk |= data[i + 1] << 8;
    if (i + 2 < n)
      chunk |= data[i + 2];
    out += table[(chunk >> 18) & 63];
    out += table[(chunk >> 12) & 63];
    out += i + 1 < n ? table[(chunk >> 6) & 63] : '=';
    out += i + 2 < n ? table[chunk & 63] : '=';
  }
  return out;
}

} // namespace

std::string accept_key(std::string_view client_key) {
  std::string input{client_key};
  input += guid;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha1(), nullptr);
  return base64(digest, len);
}

std::optional<std::string> check_upgrade(std::string_view host, std::string_view version,
                                         std::string_view key) {
  if (host.empty())
    return "the Host header is missing";
  if (version != "13")
    return "Sec-WebSocket-Version must be 13";
  // A key is 16 random bytes in base64: 24 characters ending in "==".
  if (key.size() != 24 || key.substr(22) != "==")
    return "Sec-WebSocket-Key is missing or malformed";
  return std::nullopt;
}

std::string switching_response(std::string_view client_key) {
  std::string out = "HTTP/1.1 101 Switching Protocols\r\n"
                    "Upgrade: websocket\r\n"
                    "Connection: Upgrade\r\n"
                    "Server: switchboard\r\n"
                    "Sec-WebSocket-Accept: ";
  out += accept_key(client_key);
  out += "\r\n\r\n";
  return out;
}

} // namespace sb::ws
