#include "auth/signature.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace mcpgw::auth {
namespace {

enum class Family { Rsa, Pss, Ecdsa, EdDsa };

struct AlgInfo {
  std::string_view name;
  Family family;
  const char* digest;      // nullptr for EdDSA (no pre-hash)
  std::string_view curve;  // ECDSA only
  std::size_t coord_len;   // ECDSA: bytes of r and of s
};

constexpr std::array<AlgInfo, 9> kAlgs{{
    {"RS256", Family::Rsa, "SHA256", "", 0},
    {"RS384", Family::Rsa, "SHA384", "", 0},
    {"RS512", Family::Rsa, "SHA512", "", 0},
    {"PS256", Family::Pss, "SHA256", "", 0},
    {"PS384", Family::Pss, "SHA384", "", 0},
    {"PS512", Family::Pss, "SHA512", "", 0},
    {"ES256", Family::Ecdsa, "SHA256", "P-256", 32},
    {"ES384", Family::Ecdsa, "SHA384", "P-384", 48},
    {"EdDSA", Family::EdDsa, nullptr, "", 0},
}};

const AlgInfo* find_alg(std::string_view alg) {
  for (const auto& a : kAlgs)
    if (a.name == alg) return &a;
  return nullptr;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// ECDSA: JWS carries r||s, OpenSSL wants DER.
std::optional<std::string> raw_to_der(std::string_view raw, std::size_t coord_len) {
  if (raw.size() != 2 * coord_len) return std::nullopt;
  auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(bytes, coord_len, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + coord_len, coord_len, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  return out;
}

std::string der_to_raw(std::string_view der, std::size_t coord_len) {
  auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, der.size());
  if (!sig) throw std::runtime_error("ECDSA signature not DER");
  std::string out(2 * coord_len, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  bool ok =
      BN_bn2binpad(ECDSA_SIG_get0_r(sig), o, coord_len) == static_cast<int>(coord_len) &&
      BN_bn2binpad(ECDSA_SIG_get0_s(sig), o + coord_len, coord_len) == static_cast<int>(coord_len);
  ECDSA_SIG_free(sig);
  if (!ok) throw std::runtime_error("ECDSA signature out of range");
  return out;
}

bool set_pss(EVP_PKEY_CTX* pctx) {
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
}

}  // namespace

bool is_known_asymmetric_alg(std::string_view alg) {
  return find_alg(alg) != nullptr;
}

std::optional<std::string> key_mismatch(const PublicKey& key, std::string_view alg) {
  const AlgInfo* info = find_alg(alg);
  if (!info) return "algorithm " + std::string(alg) + " not supported";
  if (!key.alg.empty() && key.alg != alg)
    return "key " + key.kid + " is for " + key.alg + ", token says " + std::string(alg);
  switch (info->family) {
    case Family::Rsa:
    case Family::Pss:
      if (key.kty != "RSA") return "key " + key.kid + " is not an RSA key";
      break;
    case Family::Ecdsa:
      if (key.kty != "EC" || key.crv != info->curve)
        return "key " + key.kid + " is not an EC " + std::string(info->curve) + " key";
      break;
    case Family::EdDsa:
      if (key.kty != "OKP" || key.crv != "Ed25519")
        return "key " + key.kid + " is not an Ed25519 key";
      break;
  }
  return std::nullopt;
}

bool verify_signature(std::string_view alg, EVP_PKEY* key, std::string_view input,
                      std::string_view signature) {
  const AlgInfo* info = find_alg(alg);
  if (!info || !key) return false;
  std::string der;
  if (info->family == Family::Ecdsa) {
    auto converted = raw_to_der(signature, info->coord_len);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx ||
      EVP_DigestVerifyInit_ex(ctx.get(), &pctx, info->digest, nullptr, nullptr, key, nullptr) != 1)
    return false;
  if (info->family == Family::Pss && !set_pss(pctx)) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

std::string sign(std::string_view alg, EVP_PKEY* private_key, std::string_view input) {
  const AlgInfo* info = find_alg(alg);
  if (!info) throw std::runtime_error("cannot sign with algorithm " + std::string(alg));
  MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit_ex(ctx.get(), &pctx, info->digest, nullptr, nullptr, private_key,
                                    nullptr) != 1)
    throw std::runtime_error("key does not fit algorithm " + std::string(alg));
  if (info->family == Family::Pss && !set_pss(pctx)) throw std::runtime_error("PSS setup failed");
  std::size_t len = 0;
  auto* in = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1)
    throw std::runtime_error("signing failed");
  std::string out(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, in,
                     input.size()) != 1)
    throw std::runtime_error("signing failed");
  out.resize(len);
  return info->family == Family::Ecdsa ? der_to_raw(out, info->coord_len) : out;
}

}  // namespace mcpgw::auth
