#include "tests/support/jwt_maker.hpp"

#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace sb::test {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The raw R||S form of a DER ECDSA signature, each half `half` bytes.
std::string der_to_raw(const std::string& der, size_t half) {
  auto p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig{
    d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())), &ECDSA_SIG_free};
  if (!sig)
    throw std::runtime_error("openssl made no DER ECDSA signature");
  std::string out(2 * half, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), reinterpret_cast<unsigned char*>(&out[0]),
               static_cast<int>(half));
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), reinterpret_cast<unsigned char*>(&out[half]),
               static_cast<int>(half));
  return out;
}

} // namespace

std::string base64url(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(bytes.data()),
                           static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  for (auto& c : out)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::string run_command(const std::string& command) {
  std::unique_ptr<FILE, decltype(&pclose)> pipe{popen((command + " 2>&1").c_str(), "r"),
                                                &pclose};
  if (!pipe)
    throw std::runtime_error("cannot run " + command);
  std::string out;
  char buf[4096];
  while (auto n = fread(buf, 1, sizeof(buf), pipe.get()))
    out.append(buf, n);
  if (pclose(pipe.release()) != 0)
    throw std::runtime_error(command + " failed:\n" + out);
  return out;
}

key_folder::key_folder() {
  char name[] = "/tmp/switchboard-keys-XXXXXX";
  if (!mkdtemp(name))
    throw std::runtime_error("mkdtemp failed");
  dir_ = name;
}

key_folder::~key_folder() {
  auto rc = std::system(("rm -rf '" + dir_ + "'").c_str());
  (void) rc;
}

std::string key_folder::make_key(const std::string& name, const std::string& spec) {
  auto priv = dir_ + "/" + name + ".pem";
  auto pub = dir_ + "/" + name + ".pub";
  if (spec.rfind("rsa:", 0) == 0)
    run_command("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:" + spec.substr(4)
                + " -out " + priv);
  else
    run_command("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:" + spec
                + " -out " + priv);
  run_command("openssl pkey -in " + priv + " -pubout -out " + pub);
  return pub;
}

std::string key_folder::make_certificate(const std::string& name) {
  auto cert = dir_ + "/" + name + ".crt";
  run_command("openssl req -new -x509 -key " + dir_ + "/" + name + ".pem -subj /CN=switchboard"
              + " -days 1 -out " + cert);
  return cert;
}

std::string key_folder::sign_certificate(const std::string& name, const std::string& ca) {
  auto base = dir_ + "/" + name;
  auto cert = base + ".crt";
  run_command("openssl req -new -key " + base + ".pem -subj /CN=" + name + " -out " + base
              + ".csr");
  run_command("openssl x509 -req -in " + base + ".csr -CA " + dir_ + "/" + ca + ".crt -CAkey "
              + dir_ + "/" + ca + ".pem -CAcreateserial -days 1 -out " + cert + " 2>&1");
  return cert;
}

std::string key_folder::write(const std::string& name, const std::string& text) {
  auto path = dir_ + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string key_folder::sign(const std::string& name, const nlohmann::json& header,
                             const nlohmann::json& claims) {
  auto input = base64url(header.dump()) + "." + base64url(claims.dump());
  auto in_path = write("signing-input", input);
  auto sig_path = dir_ + "/signature";
  run_command("openssl dgst -sha256 -sign " + dir_ + "/" + name + ".pem -out " + sig_path + " "
              + in_path);
  auto sig = read_file(sig_path);
  if (header.value("alg", "").rfind("ES", 0) == 0)
    sig = der_to_raw(sig, 32);
  return input + "." + base64url(sig);
}

} // namespace sb::test
