#include "auth/signing_key.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <stdexcept>

#include "auth/base64url.h"
#include "auth/jwk.h"
#include "auth/signature.h"

namespace mcpgw::auth {
namespace {

std::string bn_param(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) throw std::runtime_error("key lacks parameter");
  std::string out(BN_num_bytes(bn), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return base64url_encode(out);
}

std::string ec_group(EVP_PKEY* pkey) {
  char name[64] = {0};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) !=
      1)
    throw std::runtime_error("EC key without group");
  std::string group(name, len);
  if (group == "prime256v1" || group == "P-256") return "P-256";
  if (group == "secp384r1" || group == "P-384") return "P-384";
  throw std::runtime_error("unsupported EC group " + group);
}

std::string default_alg(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
      return "RS256";
    case EVP_PKEY_EC:
      return ec_group(pkey) == "P-256" ? "ES256" : "ES384";
    case EVP_PKEY_ED25519:
      return "EdDSA";
    default:
      throw std::runtime_error("unsupported private key type");
  }
}

}  // namespace

SigningKey::SigningKey(std::shared_ptr<EVP_PKEY> pkey, std::string alg)
    : pkey_(std::move(pkey)), alg_(std::move(alg)) {
  kid_ = jwk_thumbprint(public_jwk());
}

SigningKey SigningKey::generate(const std::string& alg) {
  EVP_PKEY* pkey = nullptr;
  if (alg == "RS256" || alg == "RS384" || alg == "RS512" || alg == "PS256" || alg == "PS384" ||
      alg == "PS512")
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  else if (alg == "ES256")
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  else if (alg == "ES384")
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  else if (alg == "EdDSA")
    pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  else
    throw std::runtime_error("cannot generate a key for algorithm " + alg);
  if (!pkey) throw std::runtime_error("key generation failed");
  return SigningKey(wrap_pkey(pkey), alg);
}

SigningKey SigningKey::load_pem_file(const std::string& path, std::string alg) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) throw std::runtime_error("cannot open signing key " + path);
  EVP_PKEY* pkey = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!pkey) throw std::runtime_error(path + " is not a PEM private key");
  auto owned = wrap_pkey(pkey);
  if (alg.empty()) alg = default_alg(pkey);
  return SigningKey(std::move(owned), alg);
}

nlohmann::json SigningKey::public_jwk() const {
  nlohmann::json jwk;
  EVP_PKEY* pkey = pkey_.get();
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
      jwk = {{"kty", "RSA"},
             {"n", bn_param(pkey, OSSL_PKEY_PARAM_RSA_N)},
             {"e", bn_param(pkey, OSSL_PKEY_PARAM_RSA_E)}};
      break;
    case EVP_PKEY_EC: {
      std::string crv = ec_group(pkey);
      std::size_t len = crv == "P-256" ? 32 : 48;
      unsigned char point[1 + 2 * 48];
      std::size_t point_len = 0;
      if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                          sizeof point, &point_len) != 1 ||
          point_len != 1 + 2 * len)
        throw std::runtime_error("cannot export EC public key");
      auto* p = reinterpret_cast<const char*>(point);
      jwk = {{"kty", "EC"},
             {"crv", crv},
             {"x", base64url_encode(std::string_view(p + 1, len))},
             {"y", base64url_encode(std::string_view(p + 1 + len, len))}};
      break;
    }
    case EVP_PKEY_ED25519: {
      unsigned char raw[32];
      std::size_t len = sizeof raw;
      if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1)
        throw std::runtime_error("cannot export Ed25519 public key");
      jwk = {{"kty", "OKP"},
             {"crv", "Ed25519"},
             {"x", base64url_encode(std::string_view(reinterpret_cast<char*>(raw), len))}};
      break;
    }
    default:
      throw std::runtime_error("unsupported key type");
  }
  if (!kid_.empty()) jwk["kid"] = kid_;
  jwk["alg"] = alg_;
  jwk["use"] = "sig";
  return jwk;
}

std::string SigningKey::private_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, len);
  BIO_free(bio);
  return out;
}

std::string SigningKey::mint(const nlohmann::json& payload,
                             const nlohmann::json& extra_header) const {
  nlohmann::json header = {{"alg", alg_}, {"typ", "at+jwt"}, {"kid", kid_}};
  if (extra_header.is_object()) header.update(extra_header);
  std::string input = base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
  return input + "." + base64url_encode(sign(alg_, pkey_.get(), input));
}

}  // namespace mcpgw::auth
