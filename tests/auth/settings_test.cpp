#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>

#include "auth/authenticator.h"
#include "auth/duration.h"
#include "ops/config.h"

namespace mcpgw::auth {
namespace {

Settings load(const std::string& yaml) {
  return load_config(YAML::Load(yaml));
}

std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(AuthSettings, NoSectionMeansDisabled) {
  EXPECT_FALSE(load("listen: 127.0.0.1:8080\n").enabled);
  EXPECT_FALSE(load("auth:\n").enabled);
}

TEST(AuthSettings, FullSection) {
  setenv("MCPGW_TEST_SECRET", "s3cret", 1);
  auto s = load(R"(
auth:
  resource: http://127.0.0.1:8080/mcp
  issuers:
    - issuer: https://idp.example.com
      jwks_uri: https://idp.example.com/jwks
      roles_claim: realm_access.roles
      client_id: gw
      client_secret: ${env:MCPGW_TEST_SECRET}
      introspection_endpoint: https://idp.example.com/introspect
  api_keys:
    - name: ci-bot
      sha256: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08
      roles: [user]
      scopes: [tools:call]
  required_scopes: [tools:read]
  method_scopes: {tools/call: [tools:call]}
  tool_scopes: {"admin__*": [tools:admin]}
  role_mapping: {admin: [gateway-admin], user: [gateway-user]}
  leeway: 30s
  cache_max_ttl: 10m
  http_timeout: 500ms
)");
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.resource, "http://127.0.0.1:8080/mcp");
  ASSERT_EQ(s.issuers.size(), 1u);
  EXPECT_EQ(s.issuers[0].roles_claims, std::vector<std::string>{"realm_access.roles"});
  EXPECT_EQ(s.issuers[0].client_secret, "s3cret");
  EXPECT_EQ(s.issuers[0].line, 5);
  ASSERT_EQ(s.api_keys.size(), 1u);
  EXPECT_EQ(s.api_keys[0].sha256_hex,
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  EXPECT_EQ(s.scopes_supported,
            (std::vector<std::string>{"tools:admin", "tools:call", "tools:read"}));
  EXPECT_EQ(s.leeway, std::chrono::seconds(30));
  EXPECT_EQ(s.cache_max_ttl, std::chrono::seconds(600));
  EXPECT_EQ(s.http_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(s.role_mapping["admin"], std::vector<std::string>{"gateway-admin"});
}

TEST(AuthSettings, ErrorsNameKeyAndLine) {
  EXPECT_EQ(
      error_of("auth:\n  issuers: []\n"),
      "auth.resource (line 2): required (this gateway's URL, e.g. http://127.0.0.1:8080/mcp)");
  EXPECT_EQ(error_of("auth:\n  resource: ftp://x\n"),
            "auth.resource (line 2): must be an http:// or https:// URL, got 'ftp://x'");
  EXPECT_EQ(error_of("auth:\n  resource: http://h/mcp\n  issuer: x\n"),
            "auth.issuer (line 3): unknown key");
  EXPECT_EQ(error_of("auth:\n  resource: http://h/mcp\n"),
            "auth (line 2): needs at least one entry in issuers or api_keys");
  EXPECT_EQ(error_of("auth:\n  resource: http://h/mcp\n  issuers:\n    - jwks_uri: http://h/j\n"),
            "auth.issuers[0].issuer (line 4): required");
  EXPECT_EQ(error_of("auth:\n  resource: http://h/mcp\n  issuers:\n    - issuer: dev\n"),
            "auth.issuers[0].issuer (line 4): is not a URL, so its keys cannot be discovered: set "
            "jwks_uri or jwks_file");
  EXPECT_EQ(error_of("auth:\n  resource: http://h/mcp\n  issuers:\n    - issuer: https://i\n"
                     "  algorithms: [RS256, HS256]\n"),
            "auth.algorithms (line 5): 'HS256' is not allowed (RS256/384/512, PS256/384/512, "
            "ES256/384, EdDSA)");
  EXPECT_EQ(error_of("auth:\n  resource: http://h/mcp\n  issuers:\n    - issuer: https://i\n"
                     "  leeway: soon\n"),
            "auth.leeway (line 5): must be a duration like 30s, 10m, 1h");
  EXPECT_EQ(
      error_of("auth:\n  resource: http://h/mcp\n  api_keys:\n    - name: k\n      sha256: abc\n"),
      "auth.api_keys[0].sha256 (line 5): must be 64 hex digits (sha256sum of the key)");
  EXPECT_EQ(error_of("auth:\n  resource: http://h/mcp\n  issuers:\n    - issuer: https://i\n"
                     "  role_mapping: {root: [x]}\n"),
            "auth.role_mapping.root (line 5): gateway roles are admin and user");
  unsetenv("MCPGW_TEST_UNSET");
  EXPECT_EQ(
      error_of("auth:\n  resource: http://h/mcp\n  issuers:\n    - issuer: https://i\n"
               "      client_id: gw\n      client_secret: ${env:MCPGW_TEST_UNSET}\n"),
      "auth.issuers[0].client_secret (line 6): environment variable MCPGW_TEST_UNSET is not set");
  EXPECT_EQ(error_of("auth:\n  resource: http://h/mcp\n  issuers:\n    - issuer: https://i\n"
                     "  max_token_bytes: -5\n"),
            "auth.max_token_bytes (line 5): must be a positive integer");
  EXPECT_EQ(error_of("auth: [1]\n"), "auth (line 1): must be a mapping");
  EXPECT_EQ(error_of("auth:\n  resource: http://h/mcp\n  issuers:\n    - issuer: https://i\n"
                     "      introspection_requires_audience: sometimes\n"),
            "auth.issuers[0].introspection_requires_audience (line 5): must be true or false");
}

TEST(AuthSettings, JwksFileThatCannotBeReadIsAConfigError) {
  auto s = load(
      "auth:\n  resource: http://h/mcp\n  issuers:\n    - issuer: dev\n      jwks_file: "
      "/nonexistent/jwks.json\n");
  asio::io_context io;
  try {
    Authenticator a(s, io);
    FAIL() << "expected ConfigError";
  } catch (const config::ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "auth.issuers[0] (line 4): jwks_file /nonexistent/jwks.json cannot be read");
  }
}

TEST(Duration, Units) {
  EXPECT_EQ(*parse_duration("90"), std::chrono::seconds(90));
  EXPECT_EQ(*parse_duration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(*parse_duration("2h"), std::chrono::hours(2));
  EXPECT_EQ(*parse_duration("1d"), std::chrono::hours(24));
  EXPECT_FALSE(parse_duration("1w"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("99999999999999999999s"));
}

}  // namespace
}  // namespace mcpgw::auth
