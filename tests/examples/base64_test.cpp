#include "base64.h"

#include <gtest/gtest.h>

namespace mcpgw::sample {
namespace {

std::string error_of(const std::string& text, bool url_safe = false) {
  try {
    base64_decode(text, url_safe);
  } catch (const Base64Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Base64, Rfc4648TestVectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain);
  }
}

TEST(Base64, UrlSafeAlphabetWithoutPadding) {
  std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64_encode(bytes), "+/+/");
  EXPECT_EQ(base64_encode(bytes, true), "-_-_");
  EXPECT_EQ(base64_decode("-_-_", true), bytes);
  EXPECT_EQ(base64_encode("f", true), "Zg");
}

TEST(Base64, DecodeSkipsWhitespaceAndAcceptsMissingPadding) {
  EXPECT_EQ(base64_decode("Zm9v\nYmFy\r\n"), "foobar");
  EXPECT_EQ(base64_decode("Zg"), "f");
  EXPECT_EQ(base64_decode("Zm8"), "fo");
}

TEST(Base64, DecodeErrors) {
  EXPECT_EQ(error_of("Zm9v!"), "character '!' at offset 4 is not in the standard base64 alphabet");
  EXPECT_EQ(error_of("-_-_"), "character '-' at offset 0 is not in the standard base64 alphabet");
  EXPECT_EQ(error_of("+/+/", true),
            "character '+' at offset 0 is not in the URL-safe base64 alphabet");
  EXPECT_EQ(error_of("Z"), "truncated input: the last group has a single character");
  EXPECT_EQ(error_of("=Zg"), "misplaced padding '=' at offset 0");
  EXPECT_EQ(error_of("Zg==Zg=="), "data after padding at offset 4");
  EXPECT_EQ(error_of("Zg="), "wrong amount of padding");
  EXPECT_EQ(error_of("Zg==="), "too much padding at offset 4");
}

}  // namespace
}  // namespace mcpgw::sample
