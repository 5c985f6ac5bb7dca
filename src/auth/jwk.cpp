#include "auth/jwk.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include <stdexcept>

#include "auth/base64url.h"

namespace mcpgw::auth {
namespace {

std::string member(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;

std::variant<PublicKey, std::string> from_params(PublicKey key, const char* type,
                                                 OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  bool ok = params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  if (!ok) return std::string("key material rejected by OpenSSL");
  key.pkey = wrap_pkey(pkey);
  key.bits = EVP_PKEY_get_bits(pkey);
  return key;
}

std::variant<PublicKey, std::string> rsa_key(PublicKey key, const nlohmann::json& jwk) {
  auto n = base64url_decode(member(jwk, "n"));
  auto e = base64url_decode(member(jwk, "e"));
  if (!n || !e || n->empty() || e->empty()) return std::string("RSA key without valid n/e");
  if (n->size() * 8 < 2048) return std::string("RSA key shorter than 2048 bits");
  Bn bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), n->size(), nullptr));
  Bn bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), e->size(), nullptr));
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (!bld || !bn_n || !bn_e) {
    OSSL_PARAM_BLD_free(bld);
    return std::string("out of memory");
  }
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  auto result = from_params(std::move(key), "RSA", bld);
  OSSL_PARAM_BLD_free(bld);
  return result;
}

std::variant<PublicKey, std::string> ec_key(PublicKey key, const nlohmann::json& jwk) {
  std::size_t len = key.crv == "P-256" ? 32 : key.crv == "P-384" ? 48 : 0;
  if (len == 0) return std::string("unsupported EC curve '" + key.crv + "'");
  auto x = base64url_decode(member(jwk, "x"));
  auto y = base64url_decode(member(jwk, "y"));
  if (!x || !y || x->size() != len || y->size() != len)
    return std::string("EC key with invalid x/y coordinates");
  std::string point = "\x04" + *x + *y;  // uncompressed point; OpenSSL checks it is on the curve
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (!bld) return std::string("out of memory");
  // The builder keeps pointers, not copies: use storage that outlives it.
  const char* group = len == 32 ? "prime256v1" : "secp384r1";
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  auto result = from_params(std::move(key), "EC", bld);
  OSSL_PARAM_BLD_free(bld);
  return result;
}

std::variant<PublicKey, std::string> okp_key(PublicKey key, const nlohmann::json& jwk) {
  if (key.crv != "Ed25519") return std::string("unsupported OKP curve '" + key.crv + "'");
  auto x = base64url_decode(member(jwk, "x"));
  if (!x || x->size() != 32) return std::string("Ed25519 key with invalid x");
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size());
  if (!pkey) return std::string("key material rejected by OpenSSL");
  key.pkey = wrap_pkey(pkey);
  key.bits = 256;
  return key;
}

}  // namespace

std::shared_ptr<EVP_PKEY> wrap_pkey(EVP_PKEY* raw) {
  return std::shared_ptr<EVP_PKEY>(raw, [](EVP_PKEY* p) { EVP_PKEY_free(p); });
}

std::variant<PublicKey, std::string> jwk_to_key(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return std::string("JWK is not an object");
  PublicKey key;
  key.kid = member(jwk, "kid");
  key.kty = member(jwk, "kty");
  key.crv = member(jwk, "crv");
  key.alg = member(jwk, "alg");
  key.use = member(jwk, "use");
  if (!key.use.empty() && key.use != "sig") return std::string("key use is '" + key.use + "'");
  if (jwk.contains("d")) return std::string("JWK contains private key material");
  if (key.kty == "RSA") return rsa_key(std::move(key), jwk);
  if (key.kty == "EC") return ec_key(std::move(key), jwk);
  if (key.kty == "OKP") return okp_key(std::move(key), jwk);
  return std::string("unsupported key type '" + key.kty + "'");
}

KeySet parse_jwks(std::string_view document) {
  auto json = nlohmann::json::parse(document, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    throw std::runtime_error("JWKS is not a JSON object");
  auto keys = json.find("keys");
  if (keys == json.end() || !keys->is_array()) throw std::runtime_error("JWKS has no keys array");
  KeySet set;
  for (const auto& jwk : *keys) {
    auto key = jwk_to_key(jwk);
    if (auto* k = std::get_if<PublicKey>(&key)) {
      set.keys.push_back(std::move(*k));
    } else {
      std::string kid = jwk.is_object() ? member(jwk, "kid") : "";
      set.skipped.push_back("kid '" + kid + "': " + std::get<std::string>(key));
    }
  }
  return set;
}

std::string jwk_thumbprint(const nlohmann::json& jwk) {
  nlohmann::json required;  // nlohmann's object keeps keys sorted, as RFC 7638 requires
  std::string kty = member(jwk, "kty");
  required["kty"] = kty;
  if (kty == "RSA") {
    required["n"] = member(jwk, "n");
    required["e"] = member(jwk, "e");
  } else {
    required["crv"] = member(jwk, "crv");
    required["x"] = member(jwk, "x");
    if (kty == "EC") required["y"] = member(jwk, "y");
  }
  std::string text = required.dump();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return base64url_encode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

}  // namespace mcpgw::auth
