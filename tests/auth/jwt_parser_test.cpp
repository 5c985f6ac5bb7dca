#include "auth/jwt.h"

#include <gtest/gtest.h>

#include "auth/base64url.h"

namespace mcpgw::auth {
namespace {

std::string part(const std::string& json) {
  return base64url_encode(json);
}

std::string reason(std::string_view token, std::size_t max = 8192) {
  auto r = parse_jwt(token, max);
  if (auto* e = std::get_if<ParseError>(&r)) return e->reason;
  return "parsed";
}

TEST(JwtParser, ParsesHeaderPayloadAndSignature) {
  std::string token = part(R"({"alg":"RS256","kid":"k1","typ":"at+jwt"})") + "." +
                      part(R"({"sub":"alice"})") + "." + base64url_encode("sig");
  auto r = parse_jwt(token, 8192);
  ASSERT_TRUE(std::holds_alternative<ParsedJwt>(r)) << reason(token);
  const auto& jwt = std::get<ParsedJwt>(r);
  EXPECT_EQ(jwt.alg, "RS256");
  EXPECT_EQ(jwt.kid, "k1");
  EXPECT_EQ(jwt.typ, "at+jwt");
  EXPECT_EQ(jwt.payload["sub"], "alice");
  EXPECT_EQ(jwt.signature, "sig");
  EXPECT_EQ(jwt.signing_input, token.substr(0, token.rfind('.')));
}

TEST(JwtParser, RejectsWrongShapes) {
  EXPECT_EQ(reason("abc"), "malformed token: not a compact JWS (header.payload.signature)");
  EXPECT_EQ(reason("a.b.c.d"), "malformed token: not a compact JWS (header.payload.signature)");
  EXPECT_EQ(reason("..sig"), "malformed token: empty header or payload");
}

TEST(JwtParser, RejectsBadBase64AndJson) {
  std::string good_header = part(R"({"alg":"RS256"})");
  EXPECT_EQ(reason("!!!." + part("{}") + ".x"), "malformed token: header is not valid base64url");
  EXPECT_EQ(reason(good_header + ".a*b.x"), "malformed token: payload is not valid base64url");
  EXPECT_EQ(reason(good_header + "." + part("{}") + ".a=b"),
            "malformed token: signature is not valid base64url");
  EXPECT_EQ(reason(part("not json") + "." + part("{}") + ".x"),
            "malformed token: header is not JSON");
  EXPECT_EQ(reason(good_header + "." + part("[1,2]") + ".x"),
            "malformed token: payload is not a JSON object");
}

TEST(JwtParser, RequiresAlgAndRejectsCrit) {
  EXPECT_EQ(reason(part(R"({"kid":"x"})") + "." + part("{}") + ".x"),
            "malformed token: header has no alg");
  EXPECT_EQ(reason(part(R"({"alg":7})") + "." + part("{}") + ".x"),
            "malformed token: header has no alg");
  EXPECT_EQ(reason(part(R"({"alg":"RS256","crit":["exp"]})") + "." + part("{}") + ".x"),
            "unsupported critical header (crit)");
}

TEST(JwtParser, RejectsOversizedTokenWithoutParsing) {
  std::string huge(100 * 1024, 'A');
  EXPECT_EQ(reason(huge, 8192), "token too large (102400 bytes, limit 8192)");
}

TEST(JwtParser, LooksLikeJwt) {
  EXPECT_TRUE(looks_like_jwt("a.b.c"));
  EXPECT_FALSE(looks_like_jwt("opaque-token"));
  EXPECT_FALSE(looks_like_jwt("a.b"));
}

}  // namespace
}  // namespace mcpgw::auth
