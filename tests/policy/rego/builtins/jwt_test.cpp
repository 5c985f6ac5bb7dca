// JWT built-ins against keys generated here with OpenSSL and against RFC 7515's HS256 example.
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "builtin_test_util.h"
#include "policy/rego/builtins/codec.h"

namespace mcpgw::policy::rego::testing {
namespace {

using builtins::base64_encode;
using builtins::Base64Alphabet;

std::string b64url(const std::string& s) {
  return base64_encode(s, Base64Alphabet::Url, false);
}

struct Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
  std::string public_pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, pkey);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    return out;
  }
  std::string bn(const char* name) const {
    BIGNUM* b = nullptr;
    EVP_PKEY_get_bn_param(pkey, name, &b);
    std::string out(static_cast<size_t>(BN_num_bytes(b)), '\0');
    BN_bn2bin(b, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(b);
    return b64url(out);
  }
};

Key generate(const char* type, const char* param = nullptr) {
  Key k;
  if (std::string(type) == "RSA") {
    k.pkey = EVP_RSA_gen(2048);
  } else if (std::string(type) == "EC") {
    k.pkey = EVP_EC_gen(param);
  } else {
    k.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  }
  return k;
}

Value rsa_private_jwk(const Key& k) {
  return Value::object({{Str("kty"), Str("RSA")},
                        {Str("n"), Str(k.bn(OSSL_PKEY_PARAM_RSA_N))},
                        {Str("e"), Str(k.bn(OSSL_PKEY_PARAM_RSA_E))},
                        {Str("d"), Str(k.bn(OSSL_PKEY_PARAM_RSA_D))},
                        {Str("p"), Str(k.bn(OSSL_PKEY_PARAM_RSA_FACTOR1))},
                        {Str("q"), Str(k.bn(OSSL_PKEY_PARAM_RSA_FACTOR2))},
                        {Str("dp"), Str(k.bn(OSSL_PKEY_PARAM_RSA_EXPONENT1))},
                        {Str("dq"), Str(k.bn(OSSL_PKEY_PARAM_RSA_EXPONENT2))},
                        {Str("qi"), Str(k.bn(OSSL_PKEY_PARAM_RSA_COEFFICIENT1))}});
}

Value ec_private_jwk(const Key& k, const char* crv) {
  return Value::object({{Str("kty"), Str("EC")},
                        {Str("crv"), Str(crv)},
                        {Str("x"), Str(k.bn(OSSL_PKEY_PARAM_EC_PUB_X))},
                        {Str("y"), Str(k.bn(OSSL_PKEY_PARAM_EC_PUB_Y))},
                        {Str("d"), Str(k.bn(OSSL_PKEY_PARAM_PRIV_KEY))}});
}

Value ed25519_private_jwk(const Key& k) {
  std::string priv(32, '\0'), pub(32, '\0');
  size_t n = 32;
  EVP_PKEY_get_raw_private_key(k.pkey, reinterpret_cast<unsigned char*>(priv.data()), &n);
  n = 32;
  EVP_PKEY_get_raw_public_key(k.pkey, reinterpret_cast<unsigned char*>(pub.data()), &n);
  return Value::object({{Str("kty"), Str("OKP")},
                        {Str("crv"), Str("Ed25519")},
                        {Str("x"), Str(b64url(pub))},
                        {Str("d"), Str(b64url(priv))}});
}

const char* kHsKey =
    R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";

TEST(JwtBuiltins, EncodeSignRawMatchesRfc7515HmacExample) {
  auto token =
      ok("io.jwt.encode_sign_raw",
         {Str("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"),
          Str("{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"),
          Str(kHsKey)});
  EXPECT_EQ(token.as_string(),
            "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
            "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
            "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
}

TEST(JwtBuiltins, DecodeReturnsHeaderPayloadAndHexSignature) {
  auto out = ok("io.jwt.decode",
                {Str("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwiaXNzIjoib3BhIn0."
                     "XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDjy8Jp0_tdRXY")});
  EXPECT_EQ(out.to_json(),
            R"([{"alg":"HS256","typ":"JWT"},{"iss":"opa","sub":"0"},)"
            R"("5e65682e81c8de9c4cb4c3bf59138d3122731940cff690e3cbc269d3fb5d4576"])");
  EXPECT_EQ(err("io.jwt.decode", {Str("abc")}).message,
            "io.jwt.decode: encoded JWT had no period separators");
  EXPECT_EQ(err("io.jwt.decode", {Str("a.b")}).message,
            "io.jwt.decode: encoded JWT must have 3 sections, found 2");
  EXPECT_EQ(err("io.jwt.decode", {Str("eyJhbGciOiJIU^%zI1NiI.e30.")}).message,
            "io.jwt.decode: JWT header had invalid encoding: illegal base64 data at input byte 13");
  auto jwe_header = b64url(R"({"alg":"HS256","enc":"x"})");
  EXPECT_EQ(err("io.jwt.decode", {Str(jwe_header + ".e30.")}).message,
            "io.jwt.decode: JWT is a JWE object, which is not supported");
}

TEST(JwtBuiltins, HmacRoundTripAndDecodeVerifyClaims) {
  auto key = J(R"({"kty":"oct","k":")" + b64url("secret") + R"("})");
  auto token = ok("io.jwt.encode_sign",
                  {J(R"({"alg":"HS256","typ":"JWT"})"),
                   J(R"({"iss":"xxx","aud":["a","b"],"nbf":1000.5,"exp":3000})"), key});
  EXPECT_EQ(okj("io.jwt.verify_hs256", {token, Str("secret")}), "true");
  EXPECT_EQ(okj("io.jwt.verify_hs256", {token, Str("wrong")}), "false");
  EXPECT_EQ(okj("io.jwt.verify_hs384", {token, Str("secret")}), "false");
  auto dv = [&](const std::string& constraints) {
    return ok("io.jwt.decode_verify", {token, J(constraints)}).items()[0].as_bool();
  };
  EXPECT_TRUE(dv(R"({"secret":"secret","aud":"b","iss":"xxx","time":2000000000000})"));
  EXPECT_TRUE(dv(R"({"secret":"secret","aud":"a","time":1000500000000})"));   // nbf is inclusive
  EXPECT_FALSE(dv(R"({"secret":"secret","aud":"a","time":1000499999999})"));  // before nbf
  EXPECT_FALSE(dv(R"({"secret":"secret","aud":"a","time":3000000000000})"));  // exp is exclusive
  EXPECT_FALSE(dv(R"({"secret":"secret","time":2000000000000})"));            // aud not asked for
  EXPECT_FALSE(dv(R"({"secret":"secret","aud":"c","time":2000000000000})"));
  EXPECT_FALSE(dv(R"({"secret":"secret","aud":"a","iss":"yyy","time":2000000000000})"));
  EXPECT_FALSE(dv(R"({"secret":"secret","aud":"a","alg":"HS512","time":2000000000000})"));
  EXPECT_FALSE(dv(R"({"secret":"nope","aud":"a","time":2000000000000})"));
  auto invalid = ok("io.jwt.decode_verify", {token, J(R"({"secret":"nope"})")});
  EXPECT_EQ(invalid.to_json(), "[false,{},{}]");
  EXPECT_EQ(err("io.jwt.decode_verify", {token, J(R"({"secret":"secret","bogus":1})")}).code,
            "eval_builtin_error");
  auto bad_exp = ok("io.jwt.encode_sign", {J(R"({"alg":"HS256"})"), J(R"({"exp":null})"), key});
  EXPECT_EQ(err("io.jwt.decode_verify", {bad_exp, J(R"({"secret":"secret"})")}).message,
            "io.jwt.decode_verify: exp value must be a number");
}

TEST(JwtBuiltins, RsaAndPssWithGeneratedKeys) {
  Key k = generate("RSA");
  auto jwk = rsa_private_jwk(k);
  std::string pem = k.public_pem();
  for (const char* alg : {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}) {
    auto header = Value::object({{Str("alg"), Str(alg)}});
    auto token = ok("io.jwt.encode_sign", {header, J(R"({"sub":"x"})"), jwk});
    std::string lower = alg;
    for (auto& c : lower) c = static_cast<char>(std::tolower(c));
    EXPECT_EQ(okj("io.jwt.verify_" + lower, {token, Str(pem)}), "true") << alg;
    // The same key as a public JWK.
    auto pub = Value::object(
        {{Str("kty"), Str("RSA")}, {Str("n"), *jwk.find("n")}, {Str("e"), *jwk.find("e")}});
    EXPECT_EQ(okj("io.jwt.verify_" + lower, {token, Str(pub.to_json())}), "true") << alg;
    // Tampered payload.
    std::string t = token.as_string();
    size_t dot = t.find('.');
    std::string forged = t.substr(0, dot + 1) + b64url(R"({"sub":"y"})") + t.substr(t.rfind('.'));
    EXPECT_EQ(okj("io.jwt.verify_" + lower, {Str(forged), Str(pem)}), "false") << alg;
  }
  auto rs = ok("io.jwt.encode_sign", {J(R"({"alg":"RS256"})"), J("{}"), jwk});
  EXPECT_EQ(okj("io.jwt.verify_ps256", {rs, Str(pem)}), "false");  // wrong padding
  Key other = generate("RSA");
  EXPECT_EQ(okj("io.jwt.verify_rs256", {rs, Str(other.public_pem())}), "false");
  auto dv = ok("io.jwt.decode_verify", {rs, Value::object({{Str("cert"), Str(pem)}})});
  EXPECT_EQ(dv.to_json(), R"([true,{"alg":"RS256"},{}])");
}

TEST(JwtBuiltins, EcdsaAndEdDsaWithGeneratedKeys) {
  struct Case {
    const char* alg;
    const char* curve;
    const char* crv;
    const char* fn;
  };
  for (auto c : {Case{"ES256", "P-256", "P-256", "io.jwt.verify_es256"},
                 Case{"ES384", "P-384", "P-384", "io.jwt.verify_es384"},
                 Case{"ES512", "P-521", "P-521", "io.jwt.verify_es512"}}) {
    Key k = generate("EC", c.curve);
    auto token = ok("io.jwt.encode_sign", {Value::object({{Str("alg"), Str(c.alg)}}),
                                           J(R"({"a":1})"), ec_private_jwk(k, c.crv)});
    EXPECT_EQ(okj(c.fn, {token, Str(k.public_pem())}), "true") << c.alg;
    Key other = generate("EC", c.curve);
    EXPECT_EQ(okj(c.fn, {token, Str(other.public_pem())}), "false") << c.alg;
  }
  Key ed = generate("ED25519");
  auto token = ok("io.jwt.encode_sign",
                  {J(R"({"alg":"EdDSA","typ":"JWT"})"), J(R"({"a":1})"), ed25519_private_jwk(ed)});
  EXPECT_EQ(okj("io.jwt.verify_eddsa", {token, Str(ed.public_pem())}), "true");
  EXPECT_EQ(okj("io.jwt.verify_es256", {token, Str(ed.public_pem())}), "false");
}

TEST(JwtBuiltins, KeyAndHeaderErrors) {
  const char* token = "eyJhbGciOiJSUzI1NiJ9.e30.AAAA";
  EXPECT_EQ(err("io.jwt.verify_rs256", {Str(token), Str(R"({"kty":"bogus"})")})
                .message.rfind("io.jwt.verify_rs256: failed to parse a JWK key (set)", 0),
            0u);
  EXPECT_EQ(err("io.jwt.verify_rs256",
                {Str(token), Str("-----BEGIN CERT-----\nAAAA\n-----END CERT-----\n")})
                .message,
            "io.jwt.verify_rs256: failed to extract a Key from the PEM certificate");
  EXPECT_EQ(err("io.jwt.verify_rs256",
                {Str(token), Str("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")})
                .message,
            "io.jwt.verify_rs256: failed to parse a PEM certificate");
  EXPECT_EQ(
      err("io.jwt.verify_rs256",
          {Str(token), Str("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\nextra")})
          .message,
      "io.jwt.verify_rs256: extra data after a PEM certificate block");
  EXPECT_EQ(err("io.jwt.verify_rs256", {Str("a.b"), Str("x")}).message,
            "io.jwt.verify_rs256: encoded JWT must have 3 sections, found 2");
  auto raw = [](const char* header, const char* payload) {
    return err("io.jwt.encode_sign_raw", {Str(header), Str(payload), Str(kHsKey)}).message;
  };
  EXPECT_EQ(raw("", "{}"),
            "io.jwt.encode_sign_raw: missing or invalid 'alg' header: cannot parse JSON: cannot "
            "parse empty string");
  EXPECT_EQ(
      raw("{}", "{}"),
      "io.jwt.encode_sign_raw: missing or invalid 'alg' header: jwsbb: header \"alg\" not found");
  EXPECT_EQ(raw(R"({"typ:"JWT"})", "{}"),
            "io.jwt.encode_sign_raw: missing or invalid 'alg' header: cannot parse JSON");
  EXPECT_EQ(raw(R"({"alg":"dummy"})", "{}"),
            "io.jwt.encode_sign_raw: unknown JWS algorithm: dummy");
  EXPECT_EQ(raw(R"({"alg":"HS256","typ":"JWT"})", "e"),
            "io.jwt.encode_sign_raw: type is JWT but payload is not JSON");
  // A text/plain payload is signed as is.
  auto plain = ok("io.jwt.encode_sign_raw",
                  {Str(R"({"alg":"HS256","typ":"text/plain"})"), Str("e"), Str(kHsKey)});
  EXPECT_NE(plain.as_string().find(".ZQ."), std::string::npos);
  // An RSA key cannot sign HS256 and vice versa.
  EXPECT_EQ(err("io.jwt.encode_sign", {J(R"({"alg":"RS256"})"), J("{}"), J(kHsKey)}).code,
            "eval_builtin_error");
}

}  // namespace
}  // namespace mcpgw::policy::rego::testing
