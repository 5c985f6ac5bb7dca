// JWS signature algorithms (RFC 7518, RFC 8037) over OpenSSL 3 EVP: which key fits which
// algorithm, verification, and signing (for the development token command, tests and bench).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "auth/jwk.h"

namespace mcpgw::auth {

// True for the asymmetric algorithms this gateway implements: RS256/384/512, PS256/384/512,
// ES256/384, EdDSA. Never "none", never HS*.
bool is_known_asymmetric_alg(std::string_view alg);

// Empty if `key` may verify `alg`; otherwise the reason (wrong key type, curve, alg mismatch).
std::optional<std::string> key_mismatch(const PublicKey& key, std::string_view alg);

// Verifies `signature` (JWS encoding: raw r||s for ECDSA) over `input`.
bool verify_signature(std::string_view alg, EVP_PKEY* key, std::string_view input,
                      std::string_view signature);

// Signs `input` with a private key; returns the JWS-encoded signature. Throws on failure.
std::string sign(std::string_view alg, EVP_PKEY* private_key, std::string_view input);

}  // namespace mcpgw::auth
