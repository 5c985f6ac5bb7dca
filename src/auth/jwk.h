// Public keys from JWK / JWKS documents (RFC 7517) as OpenSSL EVP_PKEYs: RSA, EC P-256/P-384,
// OKP Ed25519. Symmetric ("oct") keys are never accepted.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <openssl/types.h>
#include <nlohmann/json.hpp>

namespace mcpgw::auth {

struct PublicKey {
  std::string kid, kty, crv, alg, use;  // as the JWK states them ("" when absent)
  std::shared_ptr<EVP_PKEY> pkey;
  int bits = 0;
};

// One JWK -> key, or the reason it was refused.
std::variant<PublicKey, std::string> jwk_to_key(const nlohmann::json& jwk);

struct KeySet {
  std::vector<PublicKey> keys;
  std::vector<std::string> skipped;  // why individual keys were refused (for the log)
};

// Parses a JWKS document. Throws std::runtime_error if it is not a JSON object with `keys`.
KeySet parse_jwks(std::string_view document);

// The RFC 7638 thumbprint of a JWK (base64url of SHA-256 over its required members).
std::string jwk_thumbprint(const nlohmann::json& jwk);

std::shared_ptr<EVP_PKEY> wrap_pkey(EVP_PKEY* raw);

}  // namespace mcpgw::auth
