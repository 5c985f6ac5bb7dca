#include "auth/claims.h"

#include <gtest/gtest.h>

namespace mcpgw::auth {
namespace {

using V = std::vector<std::string>;

TEST(Claims, DottedPathsAndWholeKeys) {
  auto claims = nlohmann::json::parse(
      R"({"realm_access":{"roles":["gateway-admin","x"]},"https://ex.com/roles":["user"],"a":{"b":1}})");
  EXPECT_EQ(strings_at(claims, "realm_access.roles"), (V{"gateway-admin", "x"}));
  EXPECT_EQ(strings_at(claims, "https://ex.com/roles"), (V{"user"}));
  EXPECT_TRUE(strings_at(claims, "realm_access.missing").empty());
  EXPECT_TRUE(strings_at(claims, "a.b").empty());  // not strings
  EXPECT_EQ(claim_at(claims, "a.b")->get<int>(), 1);
  EXPECT_EQ(claim_at(claims, "a.b.c"), nullptr);
}

TEST(Claims, SpaceSeparatedScopeAndArrayScp) {
  auto claims =
      nlohmann::json::parse(R"({"scope":"tools:read  tools:call tools:read","scp":["x"]})");
  EXPECT_EQ(strings_at(claims, "scope"), (V{"tools:read", "tools:call"}));
  EXPECT_EQ(strings_at(claims, "scp"), (V{"x"}));
}

TEST(Claims, RoleMapping) {
  std::map<std::string, V> mapping{{"admin", {"gateway-admin"}},
                                   {"user", {"gateway-user", "staff"}}};
  EXPECT_EQ(map_roles({"staff", "gateway-admin"}, mapping), (V{"admin", "user"}));
  EXPECT_EQ(map_roles({"staff"}, mapping), (V{"user"}));
  EXPECT_TRUE(map_roles({"admin"}, mapping).empty());  // only mapped values count
}

TEST(Claims, FillIdentityFromConfiguredPaths) {
  IssuerSettings is;
  is.roles_claims = {"realm_access.roles", "groups"};
  is.scope_claims = {"scope", "scp"};
  auto claims = nlohmann::json::parse(
      R"({"sub":"alice","azp":"cli","jti":"t1","realm_access":{"roles":["admin"]},"groups":["user"],"scp":"a b"})");
  Identity id;
  fill_identity(id, claims, is, {{"admin", {"admin"}}, {"user", {"user"}}});
  EXPECT_EQ(id.subject, "alice");
  EXPECT_EQ(id.client_id, "cli");
  EXPECT_EQ(id.token_id, "t1");
  EXPECT_EQ(id.raw_roles, (V{"admin", "user"}));
  EXPECT_EQ(id.roles, (V{"admin", "user"}));
  EXPECT_EQ(id.scopes, (V{"a", "b"}));
  EXPECT_EQ(id.claims, claims);
}

}  // namespace
}  // namespace mcpgw::auth
