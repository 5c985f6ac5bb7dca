#include "auth/base64url.h"

#include <gtest/gtest.h>

namespace mcpgw::auth {
namespace {

TEST(Base64Url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto encoded = base64url_encode(bytes);
    EXPECT_EQ(encoded.find('='), std::string::npos);
    auto decoded = base64url_decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37 + 250));
  }
}

TEST(Base64Url, KnownVectors) {
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(*base64url_decode("-_8"), "\xfb\xff");
}

TEST(Base64Url, RejectsPaddingStandardAlphabetAndJunk) {
  EXPECT_FALSE(base64url_decode("Zm8="));
  EXPECT_FALSE(base64url_decode("+/8"));
  EXPECT_FALSE(base64url_decode("Zm 9v"));
  EXPECT_FALSE(base64url_decode("Z"));  // length 1 mod 4 is impossible
  EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)));
}

TEST(Base64Url, RejectsNonCanonicalTrailingBits) {
  EXPECT_TRUE(base64url_decode("Zm8"));
  EXPECT_FALSE(base64url_decode("Zm9"));  // same byte 'fo' but with stray low bits
}

}  // namespace
}  // namespace mcpgw::auth
