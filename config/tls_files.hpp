#pragma once
// Checks the PEM files of a TLS endpoint before anything uses them: CAF's
// OpenSSL module loads them only when a connection arrives, and throws from
// its I/O thread when one is unreadable, which would end the process. So
// the admin port's files (node) and ctl's (client) are loaded here first,
// with OpenSSL, and any fault is a one-line error naming the file.

#include <string>

namespace sb {

/// "" when `certificate` (a chain), `key` (its private key, unencrypted:
/// an encrypted one is an error, never a passphrase prompt)
/// and `ca` (trusted CA certificates) load and the key matches the
/// certificate; else what is wrong, naming `what` and the file.
std::string check_tls_files(const std::string& what, const std::string& certificate,
                            const std::string& key, const std::string& ca);

} // namespace sb
