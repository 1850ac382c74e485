#pragma once
// The keys the JWT fuzz target verifies with; written by fuzz/make_seeds.py
// with the seed tokens of fuzz/corpus/jwt (their private keys are gone).

namespace sb::fuzz {

constexpr const char* jwt_secret = "fuzz-secret-0123456789abcdef";

constexpr const char* rsa_public_pem = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAs6bc1wJlWrUgNlLi/i+V
C6fFXZLjj+pVIignUth+wZjY9Hp2cTIQ8eL3BkackFY3Dd8n5wXkdQ6RvpQ6expz
8IwC7sRfbCpA9EUnS338CiSY4YFk3ILbShfPG+O+taCsQVV8n+0Sh89AALkeUyMT
hFrs6i1uG5hd3Mh2v3MqbBMspopal+UGuunqhnDbhu65MW6c5CY7kWsqynMdQ/hp
S12cFIhadwnTdVrCHgJMEyZl3tjxLJ+QgxcT/6E3IqJPJitLTRN+Xdx2WmjrT2pv
FoBQsFLFlTzanDsefsAL5mkqpQwghoOq7oekSUN5UhQupptdkwzKQ8OfuAqw9UMU
TwIDAQAB
-----END PUBLIC KEY-----
)";

constexpr const char* ec_public_pem = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEl8FkgEU90m3t3qebIhg/ygUumZ2U
5DYiJ6mrMW3isK4E6JxaNGyYo/SbovNULyWLTd3W59/zFusVk2EtkI2PVw==
-----END PUBLIC KEY-----
)";

} // namespace sb::fuzz
