// JOSE building blocks on OpenSSL 3 for the io.jwt.* built-ins: PEM blocks, keys from PEM
// certificates, PEM public keys and JWKs (sets), and JWS signing and verification for the
// HS*, RS*, PS*, ES* and EdDSA algorithms.
#pragma once
#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/rego/value.h"

namespace mcpgw::policy::rego::builtins {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// One PEM block as Go's pem.Decode finds it: text before the block is skipped, `rest` is what
// follows the END line.
struct PemBlock {
  std::string type;
  std::string der;
  std::string rest;
};
std::optional<PemBlock> pem_decode(std::string_view text);

// A verification or signing key. HMAC keys keep their secret bytes; the others an EVP_PKEY.
struct JoseKey {
  Pkey pkey;
  std::string secret;
  bool is_secret = false;
  std::string kid;
  std::string alg;  // the JWK's "alg", when given
};

// Keys for verification from a PEM certificate, a PEM public key, a JWK or a JWK set, with
// OPA's error messages ("failed to parse a JWK key (set)", "extra data after a PEM certificate
// block", ...). nullopt and `error` on failure.
std::optional<std::vector<JoseKey>> verification_keys(std::string_view text, std::string& error);

// A key from a JWK object (private parts included when present).
std::optional<JoseKey> key_from_jwk(const Value& jwk, std::string& error);

// HMAC with the named digest ("SHA256", "MD5", ...); the MAC implementation is fetched once per
// thread, since fetching it for every call costs more than the MAC itself.
std::string hmac_bytes(const char* digest, std::string_view key, std::string_view data);

// True for the algorithm names this module implements.
bool known_jws_alg(std::string_view alg);

// Verifies `signature` over `signing_input`; false on any mismatch, including a key of the
// wrong type for the algorithm.
bool jws_verify(std::string_view alg, std::string_view signing_input, std::string_view signature,
                const JoseKey& key);

// Signs; nullopt with `error` when the key does not fit the algorithm.
std::optional<std::string> jws_sign(std::string_view alg, std::string_view signing_input,
                                    const JoseKey& key, std::string& error);

}  // namespace mcpgw::policy::rego::builtins
