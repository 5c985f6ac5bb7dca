#include "auth/signature.h"

#include <gtest/gtest.h>

#include "auth/signing_key.h"

namespace mcpgw::auth {
namespace {

PublicKey public_of(const SigningKey& key) {
  return std::get<PublicKey>(jwk_to_key(key.public_jwk()));
}

class EachAlgorithm : public ::testing::TestWithParam<const char*> {};

TEST_P(EachAlgorithm, SignsAndVerifiesAndDetectsTampering) {
  std::string alg = GetParam();
  auto key = SigningKey::generate(alg);
  auto pub = public_of(key);
  EXPECT_FALSE(key_mismatch(pub, alg));
  std::string input = "header.payload";
  std::string sig = sign(alg, key.pkey(), input);
  EXPECT_TRUE(verify_signature(alg, pub.pkey.get(), input, sig));
  EXPECT_FALSE(verify_signature(alg, pub.pkey.get(), "header.payloaD", sig));
  std::string flipped = sig;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_FALSE(verify_signature(alg, pub.pkey.get(), input, flipped));
  EXPECT_FALSE(verify_signature(alg, pub.pkey.get(), input, ""));
  // Another key of the same type does not verify it.
  auto other = public_of(SigningKey::generate(alg));
  EXPECT_FALSE(verify_signature(alg, other.pkey.get(), input, sig));
}

INSTANTIATE_TEST_SUITE_P(Jws, EachAlgorithm,
                         ::testing::Values("RS256", "RS384", "RS512", "PS256", "ES256", "ES384",
                                           "EdDSA"));

TEST(Signature, RefusesNoneHmacAndUnknown) {
  EXPECT_FALSE(is_known_asymmetric_alg("none"));
  EXPECT_FALSE(is_known_asymmetric_alg("HS256"));
  EXPECT_FALSE(is_known_asymmetric_alg("rs256"));
  auto pub = public_of(SigningKey::generate("RS256"));
  EXPECT_FALSE(verify_signature("HS256", pub.pkey.get(), "a.b", "sig"));
  EXPECT_EQ(*key_mismatch(pub, "HS256"), "algorithm HS256 not supported");
}

TEST(Signature, KeyMustFitAlgorithm) {
  auto rsa = public_of(SigningKey::generate("RS256"));
  rsa.alg.clear();
  rsa.kid = "r";
  EXPECT_EQ(*key_mismatch(rsa, "ES256"), "key r is not an EC P-256 key");
  EXPECT_EQ(*key_mismatch(rsa, "EdDSA"), "key r is not an Ed25519 key");
  EXPECT_FALSE(key_mismatch(rsa, "PS256"));  // an RSA key without alg may do PSS
  rsa.alg = "RS256";
  EXPECT_EQ(*key_mismatch(rsa, "PS256"), "key r is for RS256, token says PS256");
  auto p384 = public_of(SigningKey::generate("ES384"));
  p384.alg.clear();
  p384.kid = "e";
  EXPECT_EQ(*key_mismatch(p384, "ES256"), "key e is not an EC P-256 key");
}

TEST(Signature, EcdsaSignatureMustHaveExactLength) {
  auto key = SigningKey::generate("ES256");
  auto pub = public_of(key);
  std::string sig = sign("ES256", key.pkey(), "x");
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_FALSE(verify_signature("ES256", pub.pkey.get(), "x", sig + std::string(1, '\0')));
  EXPECT_FALSE(verify_signature("ES256", pub.pkey.get(), "x", sig.substr(1)));
}

}  // namespace
}  // namespace mcpgw::auth
