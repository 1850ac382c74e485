#include "config/tls_files.hpp"

#include <memory>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace sb {

namespace {

/// OpenSSL's reason for the last failure, e.g. "no start line".
std::string last_ssl_error() {
  auto code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0)
    return "unreadable";
  const char* reason = ERR_reason_error_string(code);
  return reason ? reason : "unreadable";
}

/// No passphrase: an encrypted key fails to load instead of OpenSSL asking
/// for one on the terminal (CAF would load it without one either).
int no_passphrase(char*, int, int, void*) {
  return 0;
}

} // namespace

std::string check_tls_files(const std::string& what, const std::string& certificate,
                            const std::string& key, const std::string& ca) {
  using context = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
  context ctx{SSL_CTX_new(TLS_method()), &SSL_CTX_free};
  context key_only{SSL_CTX_new(TLS_method()), &SSL_CTX_free};
  if (!ctx || !key_only)
    return what + ": OpenSSL cannot make a context: " + last_ssl_error();
  SSL_CTX_set_default_passwd_cb(ctx.get(), no_passphrase);
  SSL_CTX_set_default_passwd_cb(key_only.get(), no_passphrase);
  ERR_clear_error();
  // The key alone first: a key that does not parse, and one that parses
  // but is another certificate's, are different mistakes.
  if (SSL_CTX_use_PrivateKey_file(key_only.get(), key.c_str(), SSL_FILETYPE_PEM) != 1)
    return what + " key " + key + ": " + last_ssl_error()
           + " (it must be an unencrypted PEM key)";
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), certificate.c_str()) != 1)
    return what + " certificate " + certificate + ": " + last_ssl_error();
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1
      || SSL_CTX_check_private_key(ctx.get()) != 1) {
    ERR_clear_error();
    return what + " key " + key + " does not belong to the certificate " + certificate;
  }
  if (SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr) != 1)
    return what + " CA " + ca + ": " + last_ssl_error();
  return {};
}

} // namespace sb
