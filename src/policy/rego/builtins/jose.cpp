#include "policy/rego/builtins/jose.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <map>

#include "policy/rego/builtins/codec.h"

namespace mcpgw::policy::rego::builtins {
namespace {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string trim_ws(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') out += c;
  return out;
}

std::optional<std::string> b64url_field(const Value& jwk, const char* name) {
  const Value* v = jwk.find(name);
  if (!v || !v->is_string()) return std::nullopt;
  std::string s = v->as_string();
  while (!s.empty() && s.back() == '=') s.pop_back();
  std::string error;
  return base64_decode(s, Base64Alphabet::Url, /*padded=*/false, error);
}

std::string str_field(const Value& jwk, const char* name) {
  const Value* v = jwk.find(name);
  return v && v->is_string() ? v->as_string() : std::string();
}

Bn bn(const std::string& bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()), nullptr));
}

Pkey pkey_from_params(const char* type, OSSL_PARAM_BLD* bld, bool with_private) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return nullptr;
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* out = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &out, with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1)
    return nullptr;
  return Pkey(out);
}

Pkey rsa_from_jwk(const Value& jwk, std::string& error) {
  auto n = b64url_field(jwk, "n");
  auto e = b64url_field(jwk, "e");
  if (!n || !e || n->empty() || e->empty()) {
    error = "RSA key needs \"n\" and \"e\"";
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  std::vector<Bn> keep;
  auto push = [&](const char* param, const std::string& bytes) {
    keep.push_back(bn(bytes));
    OSSL_PARAM_BLD_push_BN(bld.get(), param, keep.back().get());
  };
  push(OSSL_PKEY_PARAM_RSA_N, *n);
  push(OSSL_PKEY_PARAM_RSA_E, *e);
  auto d = b64url_field(jwk, "d");
  bool priv = d.has_value();
  if (priv) {
    push(OSSL_PKEY_PARAM_RSA_D, *d);
    auto p = b64url_field(jwk, "p"), q = b64url_field(jwk, "q");
    auto dp = b64url_field(jwk, "dp"), dq = b64url_field(jwk, "dq"), qi = b64url_field(jwk, "qi");
    if (p && q && dp && dq && qi) {
      push(OSSL_PKEY_PARAM_RSA_FACTOR1, *p);
      push(OSSL_PKEY_PARAM_RSA_FACTOR2, *q);
      push(OSSL_PKEY_PARAM_RSA_EXPONENT1, *dp);
      push(OSSL_PKEY_PARAM_RSA_EXPONENT2, *dq);
      push(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, *qi);
    }
  }
  Pkey k = pkey_from_params("RSA", bld.get(), priv);
  if (!k) error = "invalid RSA key";
  return k;
}

struct Curve {
  const char* jwk_name;
  const char* ossl_name;
  size_t size;
};
constexpr Curve kCurves[] = {
    {"P-256", "prime256v1", 32}, {"P-384", "secp384r1", 48}, {"P-521", "secp521r1", 66}};

std::string left_pad(std::string s, size_t n) {
  if (s.size() < n) s.insert(0, n - s.size(), '\0');
  return s;
}

Pkey ec_from_jwk(const Value& jwk, std::string& error) {
  std::string crv = str_field(jwk, "crv");
  const Curve* curve = nullptr;
  for (const auto& c : kCurves)
    if (crv == c.jwk_name) curve = &c;
  auto x = b64url_field(jwk, "x");
  auto y = b64url_field(jwk, "y");
  if (!curve || !x || !y || x->size() > curve->size || y->size() > curve->size) {
    error = "invalid EC key";
    return nullptr;
  }
  std::string pub = "\x04" + left_pad(*x, curve->size) + left_pad(*y, curve->size);
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->ossl_name, 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size());
  auto d = b64url_field(jwk, "d");
  Bn dbn;
  if (d) {
    dbn = bn(*d);
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, dbn.get());
  }
  Pkey k = pkey_from_params("EC", bld.get(), d.has_value());
  if (!k) error = "invalid EC key";
  return k;
}

Pkey okp_from_jwk(const Value& jwk, std::string& error) {
  if (str_field(jwk, "crv") != "Ed25519") {
    error = "unsupported OKP curve";
    return nullptr;
  }
  auto d = b64url_field(jwk, "d");
  auto x = b64url_field(jwk, "x");
  EVP_PKEY* k = nullptr;
  if (d && d->size() == 32) {
    k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                     reinterpret_cast<const unsigned char*>(d->data()), 32);
  } else if (x && x->size() == 32) {
    k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                    reinterpret_cast<const unsigned char*>(x->data()), 32);
  }
  if (!k) error = "invalid Ed25519 key";
  return Pkey(k);
}

const EVP_MD* digest_for(std::string_view alg) {
  std::string_view bits = alg.size() >= 5 ? alg.substr(2) : "";
  if (bits == "256") return EVP_sha256();
  if (bits == "384") return EVP_sha384();
  if (bits == "512") return EVP_sha512();
  return nullptr;
}

// Go's crypto/ecdsa and JOSE write signatures as fixed-size r || s; OpenSSL wants DER.
std::optional<std::string> ecdsa_raw_to_der(std::string_view raw) {
  if (raw.empty() || raw.size() % 2) return std::nullopt;
  size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half),
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half),
                        static_cast<int>(half), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> ecdsa_der_to_raw(std::string_view der, size_t size) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (!sig) return std::nullopt;
  std::string out(2 * size, '\0');
  const BIGNUM* r = ECDSA_SIG_get0_r(sig);
  const BIGNUM* s = ECDSA_SIG_get0_s(sig);
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size));
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(out.data() + size), static_cast<int>(size));
  ECDSA_SIG_free(sig);
  return out;
}

size_t ec_field_size(EVP_PKEY* k) {
  return static_cast<size_t>((EVP_PKEY_get_bits(k) + 7) / 8);
}

// The key type an algorithm family needs.
bool key_fits(std::string_view alg, EVP_PKEY* k) {
  if (!k) return false;
  int id = EVP_PKEY_get_base_id(k);
  if (alg[0] == 'R' || alg[0] == 'P') return id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS;
  if (alg[0] == 'E' && alg != "EdDSA") {
    if (id != EVP_PKEY_EC) return false;
    size_t want = alg == "ES256" ? 32 : alg == "ES384" ? 48 : 66;
    return ec_field_size(k) == want;
  }
  return id == EVP_PKEY_ED25519;
}

bool set_rsa_padding(EVP_PKEY_CTX* pctx, std::string_view alg, bool verify) {
  if (alg[0] == 'P') {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1) return false;
    return EVP_PKEY_CTX_set_rsa_pss_saltlen(
               pctx, verify ? RSA_PSS_SALTLEN_AUTO : RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  if (alg[0] == 'R') return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  return true;
}

const char* digest_name_for(std::string_view alg) {
  std::string_view bits = alg.size() >= 5 ? alg.substr(2) : "";
  return bits == "256" ? "SHA256" : bits == "384" ? "SHA384" : "SHA512";
}

}  // namespace

std::string hmac_bytes(const char* digest, std::string_view key, std::string_view data) {
  struct MacFree {
    void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
  };
  struct CtxFree {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
  };
  using MacCtx = std::unique_ptr<EVP_MAC_CTX, CtxFree>;
  thread_local std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  // Keyed contexts are cached per thread: policies use a few constant secrets, and setting a
  // context up costs several times more than copying one.
  thread_local std::map<std::string, MacCtx, std::less<>> keyed;
  std::string cache_key = std::string(digest) + '\0' + std::string(key);
  auto it = keyed.find(cache_key);
  if (it == keyed.end()) {
    MacCtx fresh(EVP_MAC_CTX_new(mac.get()));
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
        OSSL_PARAM_construct_end()};
    // OpenSSL rejects a null key pointer even for an empty key.
    static const unsigned char empty = 0;
    const unsigned char* k =
        key.empty() ? &empty : reinterpret_cast<const unsigned char*>(key.data());
    if (!fresh || EVP_MAC_init(fresh.get(), k, key.size(), params) != 1) return {};
    if (keyed.size() >= 32) keyed.clear();
    it = keyed.emplace(std::move(cache_key), std::move(fresh)).first;
  }
  MacCtx ctx(EVP_MAC_CTX_dup(it->second.get()));
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (!ctx ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1 ||
      EVP_MAC_final(ctx.get(), out, &len, sizeof out) != 1) {
    return {};
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::optional<PemBlock> pem_decode(std::string_view text) {
  size_t pos = 0;
  while (true) {
    size_t b = text.find("-----BEGIN ", pos);
    if (b == std::string_view::npos) return std::nullopt;
    pos = b + 1;
    if (b != 0 && text[b - 1] != '\n') continue;
    size_t type_start = b + 11;
    size_t type_end = text.find("-----", type_start);
    if (type_end == std::string_view::npos) return std::nullopt;
    std::string type(text.substr(type_start, type_end - type_start));
    if (type.find('\n') != std::string::npos) continue;
    size_t body_start = type_end + 5;
    if (body_start < text.size() && text[body_start] == '\r') ++body_start;
    if (body_start < text.size() && text[body_start] == '\n') ++body_start;
    std::string end_marker = "-----END " + type + "-----";
    size_t e = text.find(end_marker, body_start);
    if (e == std::string_view::npos) return std::nullopt;
    std::string body = trim_ws(text.substr(body_start, e - body_start));
    std::string error;
    auto der = base64_decode(body, Base64Alphabet::Standard, true, error);
    if (!der) continue;  // Go moves on to look for a later block
    PemBlock block{type, std::move(*der), ""};
    size_t after = e + end_marker.size();
    while (after < text.size() && (text[after] == ' ' || text[after] == '\t')) ++after;
    if (after < text.size() && text[after] == '\r') ++after;
    if (after < text.size() && text[after] == '\n') ++after;
    block.rest = std::string(text.substr(after));
    return block;
  }
}

std::optional<JoseKey> key_from_jwk(const Value& jwk, std::string& error) {
  if (!jwk.is_object()) {
    error = "a JWK must be an object";
    return std::nullopt;
  }
  std::string kty = str_field(jwk, "kty");
  JoseKey key;
  key.kid = str_field(jwk, "kid");
  key.alg = str_field(jwk, "alg");
  if (kty == "oct") {
    auto k = b64url_field(jwk, "k");
    if (!k) {
      error = "oct key needs \"k\"";
      return std::nullopt;
    }
    key.is_secret = true;
    key.secret = *k;
    return key;
  }
  if (kty == "RSA")
    key.pkey = rsa_from_jwk(jwk, error);
  else if (kty == "EC")
    key.pkey = ec_from_jwk(jwk, error);
  else if (kty == "OKP")
    key.pkey = okp_from_jwk(jwk, error);
  else
    error = "unsupported key type \"" + kty + "\"";
  if (!key.pkey) return std::nullopt;
  return key;
}

std::optional<std::vector<JoseKey>> verification_keys(std::string_view text, std::string& error) {
  std::vector<JoseKey> keys;
  if (auto block = pem_decode(text)) {
    if (!block->rest.empty()) {
      error = "extra data after a PEM certificate block";
      return std::nullopt;
    }
    const unsigned char* p = reinterpret_cast<const unsigned char*>(block->der.data());
    if (block->type == "CERTIFICATE") {
      X509* cert = d2i_X509(nullptr, &p, static_cast<long>(block->der.size()));
      if (!cert) {
        error = "failed to parse a PEM certificate";
        return std::nullopt;
      }
      JoseKey k;
      k.pkey = Pkey(X509_get_pubkey(cert));
      X509_free(cert);
      if (!k.pkey) {
        error = "failed to parse a PEM certificate";
        return std::nullopt;
      }
      keys.push_back(std::move(k));
      return keys;
    }
    if (block->type == "PUBLIC KEY") {
      JoseKey k;
      k.pkey = Pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(block->der.size())));
      if (!k.pkey) {
        error = "failed to parse a PEM public key";
        return std::nullopt;
      }
      keys.push_back(std::move(k));
      return keys;
    }
    error = "failed to extract a Key from the PEM certificate";
    return std::nullopt;
  }
  Value doc;
  try {
    doc = Value::from_json(text);
  } catch (const JsonError& e) {
    error = "failed to parse a JWK key (set): " + std::string(e.what());
    return std::nullopt;
  }
  std::vector<Value> jwks;
  if (const Value* set = doc.find("keys"); set && set->is_array()) {
    jwks.assign(set->items().begin(), set->items().end());
  } else {
    jwks.push_back(doc);
  }
  for (const auto& j : jwks) {
    std::string why;
    auto k = key_from_jwk(j, why);
    if (!k) {
      error = "failed to parse a JWK key (set): " + why;
      return std::nullopt;
    }
    keys.push_back(std::move(*k));
  }
  return keys;
}

bool known_jws_alg(std::string_view alg) {
  static const char* algs[] = {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256",
                               "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"};
  for (const char* a : algs)
    if (alg == a) return true;
  return false;
}

bool jws_verify(std::string_view alg, std::string_view input, std::string_view signature,
                const JoseKey& key) {
  if (!known_jws_alg(alg)) return false;
  if (alg[0] == 'H') {
    if (!key.is_secret) return false;
    std::string mac = hmac_bytes(digest_name_for(alg), key.secret, input);
    return !mac.empty() && signature.size() == mac.size() &&
           CRYPTO_memcmp(mac.data(), signature.data(), mac.size()) == 0;
  }
  if (key.is_secret || !key_fits(alg, key.pkey.get())) return false;
  std::string sig(signature);
  if (alg[0] == 'E' && alg != "EdDSA") {
    if (signature.size() != 2 * ec_field_size(key.pkey.get())) return false;
    auto der = ecdsa_raw_to_der(signature);
    if (!der) return false;
    sig = *der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = alg == "EdDSA" ? nullptr : digest_for(alg);
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.pkey.get()) != 1) return false;
  if (!set_rsa_padding(pctx, alg, true)) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

std::optional<std::string> jws_sign(std::string_view alg, std::string_view input,
                                    const JoseKey& key, std::string& error) {
  if (!known_jws_alg(alg)) {
    error = "unknown JWS algorithm: " + std::string(alg);
    return std::nullopt;
  }
  if (alg[0] == 'H') {
    if (!key.is_secret) {
      error = "HMAC signing needs an oct key";
      return std::nullopt;
    }
    std::string mac = hmac_bytes(digest_name_for(alg), key.secret, input);
    if (mac.empty()) {
      error = "HMAC failed";
      return std::nullopt;
    }
    return mac;
  }
  if (key.is_secret || !key_fits(alg, key.pkey.get())) {
    error = "key does not fit algorithm " + std::string(alg);
    return std::nullopt;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = alg == "EdDSA" ? nullptr : digest_for(alg);
  size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key.pkey.get()) != 1 ||
      !set_rsa_padding(pctx, alg, false) ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    error = "signing failed (is the key private?)";
    return std::nullopt;
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    error = "signing failed (is the key private?)";
    return std::nullopt;
  }
  sig.resize(len);
  if (alg[0] == 'E' && alg != "EdDSA") {
    auto raw = ecdsa_der_to_raw(sig, ec_field_size(key.pkey.get()));
    if (!raw) {
      error = "signing failed";
      return std::nullopt;
    }
    return raw;
  }
  return sig;
}

}  // namespace mcpgw::policy::rego::builtins
