#include "auth/challenge.h"

#include <gtest/gtest.h>

namespace mcpgw::auth {
namespace {

TEST(Challenge, MetadataUrlInsertsWellKnownBeforePath) {
  EXPECT_EQ(default_metadata_url("https://gw.example.com/mcp"),
            "https://gw.example.com/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(default_metadata_url("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource");
  EXPECT_EQ(default_metadata_url("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource");
}

TEST(Challenge, BearerHeaderQuotesAndStripsUnsafeCharacters) {
  EXPECT_EQ(bearer_challenge("http://h/m", {"a", "b"}, "invalid_token", "bad \"x\"\\\n"),
            "Bearer resource_metadata=\"http://h/m\", scope=\"a b\", error=\"invalid_token\", "
            "error_description=\"bad x\"");
  EXPECT_EQ(bearer_challenge("http://h/m", {}, "", "no token"),
            "Bearer resource_metadata=\"http://h/m\"");
}

TEST(Challenge, MetadataDocument) {
  Settings s;
  s.resource = "http://127.0.0.1:8080/mcp";
  s.issuers.push_back({.issuer = "https://idp"});
  s.issuers.push_back({.issuer = "dev", .advertise = false});
  s.scopes_supported = {"tools:read", "tools:call"};
  auto doc = nlohmann::json::parse(metadata_document(s));
  EXPECT_EQ(doc["resource"], "http://127.0.0.1:8080/mcp");
  EXPECT_EQ(doc["authorization_servers"], nlohmann::json::array({"https://idp"}));
  EXPECT_EQ(doc["scopes_supported"], nlohmann::json::array({"tools:read", "tools:call"}));
  EXPECT_EQ(doc["bearer_methods_supported"], nlohmann::json::array({"header"}));
}

}  // namespace
}  // namespace mcpgw::auth
