#include "config/auth_keys.hpp"

#include <fstream>
#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sstream>

namespace sb {

namespace {

using bio_ptr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The key in `pem`: a public key, else the key of a certificate.
pkey_ptr parse_key(const std::string& pem) {
  bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
  pkey_ptr key{PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free};
  if (key)
    return key;
  bio_ptr again{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
  x509_ptr cert{PEM_read_bio_X509(again.get(), nullptr, nullptr, nullptr), &X509_free};
  return pkey_ptr{cert ? X509_get_pubkey(cert.get()) : nullptr, &EVP_PKEY_free};
}

std::string to_pem(EVP_PKEY* key) {
  bio_ptr out{BIO_new(BIO_s_mem()), &BIO_free};
  PEM_write_bio_PUBKEY(out.get(), key);
  char* data = nullptr;
  auto n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

} // namespace

std::variant<public_key, std::string> load_public_key(const std::string& path) {
  auto text = read_file(path);
  if (!text)
    return "auth.public-key: cannot read " + path;
  auto key = parse_key(*text);
  if (!key)
    return "auth.public-key: " + path
           + " holds no PEM public key (BEGIN PUBLIC KEY) or certificate";
  public_key out;
  out.file = path;
  out.bits = EVP_PKEY_get_bits(key.get());
  switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_RSA: out.kind = public_key::type::rsa; break;
    case EVP_PKEY_EC: out.kind = public_key::type::ec; break;
    default: return "auth.public-key: " + path + " is neither an RSA nor an EC key";
  }
  if (out.kind == public_key::type::rsa && out.bits < 2048)
    return "auth.public-key: " + path + " is a " + std::to_string(out.bits)
           + "-bit RSA key; RS256 needs at least 2048 bits";
  out.pem = to_pem(key.get());
  return out;
}

std::variant<std::string, std::string> load_secret_file(const std::string& path) {
  auto text = read_file(path);
  if (!text)
    return std::variant<std::string, std::string>{std::in_place_index<1>, "cannot read " + path};
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r'))
    text->pop_back();
  if (text->empty())
    return std::variant<std::string, std::string>{std::in_place_index<1>, path + " is empty"};
  return std::variant<std::string, std::string>{std::in_place_index<0>, *text};
}

} // namespace sb
