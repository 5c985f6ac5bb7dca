#include "auth/jwk.h"

#include <gtest/gtest.h>

#include "auth/signing_key.h"

namespace mcpgw::auth {
namespace {

std::string refusal(const nlohmann::json& jwk) {
  auto r = jwk_to_key(jwk);
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "accepted";
}

TEST(Jwk, AcceptsGeneratedKeysOfEachType) {
  for (const char* alg : {"RS256", "ES256", "ES384", "EdDSA"}) {
    auto key = SigningKey::generate(alg);
    auto r = jwk_to_key(key.public_jwk());
    ASSERT_TRUE(std::holds_alternative<PublicKey>(r)) << alg << ": " << refusal(key.public_jwk());
    const auto& pk = std::get<PublicKey>(r);
    EXPECT_EQ(pk.kid, key.kid());
    EXPECT_EQ(pk.alg, alg);
    EXPECT_TRUE(pk.pkey);
  }
}

TEST(Jwk, RefusesSymmetricPrivateAndUnknownKeys) {
  EXPECT_EQ(refusal({{"kty", "oct"}, {"k", "c2VjcmV0"}}), "unsupported key type 'oct'");
  auto rsa = SigningKey::generate("RS256").public_jwk();
  auto with_d = rsa;
  with_d["d"] = "AQAB";
  EXPECT_EQ(refusal(with_d), "JWK contains private key material");
  auto enc = rsa;
  enc["use"] = "enc";
  EXPECT_EQ(refusal(enc), "key use is 'enc'");
  EXPECT_EQ(refusal(nlohmann::json::array()), "JWK is not an object");
}

TEST(Jwk, RefusesShortRsaAndBadEcPoints) {
  auto rsa = SigningKey::generate("RS256").public_jwk();
  rsa["n"] = rsa["n"].get<std::string>().substr(0, 100);  // ~600 bits
  EXPECT_EQ(refusal(rsa), "RSA key shorter than 2048 bits");
  auto ec = SigningKey::generate("ES256").public_jwk();
  auto bad = ec;
  bad["crv"] = "P-521";
  EXPECT_EQ(refusal(bad), "unsupported EC curve 'P-521'");
  bad = ec;
  bad["y"] = ec["x"];  // almost certainly not on the curve
  EXPECT_EQ(refusal(bad), "key material rejected by OpenSSL");
  bad = ec;
  bad["x"] = "AAAA";
  EXPECT_EQ(refusal(bad), "EC key with invalid x/y coordinates");
}

TEST(Jwks, ParsesAndReportsSkippedKeys) {
  auto good = SigningKey::generate("EdDSA").public_jwk();
  nlohmann::json doc = {{"keys", {good, {{"kty", "oct"}, {"kid", "sym"}}}}};
  auto set = parse_jwks(doc.dump());
  ASSERT_EQ(set.keys.size(), 1u);
  ASSERT_EQ(set.skipped.size(), 1u);
  EXPECT_EQ(set.skipped[0], "kid 'sym': unsupported key type 'oct'");
  EXPECT_THROW(parse_jwks("nope"), std::runtime_error);
  EXPECT_THROW(parse_jwks(R"({"keys":{}})"), std::runtime_error);
}

TEST(Jwk, ThumbprintMatchesRfc7638Example) {
  // RFC 7638 §3.1 example key and its thumbprint.
  nlohmann::json jwk = {
      {"kty", "RSA"},
      {"n",
       "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
       "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_"
       "RN5w6Cf0h4QyQ5v-65YGjQR0_"
       "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbI"
       "SD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
       "kEgU8awapJzKnqDKgw"},
      {"e", "AQAB"},
      {"alg", "RS256"},
      {"kid", "2011-04-29"}};
  EXPECT_EQ(jwk_thumbprint(jwk), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

}  // namespace
}  // namespace mcpgw::auth
