// Authenticator behaviour beyond the attack suite: algorithms, identity, caching, discovery,
// several issuers, API keys, introspection, metadata.
#include <openssl/sha.h>

#include <cstdio>
#include <fstream>

#include "auth_fixture.h"

namespace mcpgw::auth::testing {
namespace {

std::string sha256_hex(const std::string& s) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  char out[65];
  for (int i = 0; i < 32; ++i) std::snprintf(out + 2 * i, 3, "%02x", d[i]);
  return std::string(out, 64);
}

class AuthenticatorTest : public AuthFixture {
 protected:
  TestResponse handle(const TestRequest& r) override {
    if (r.target == "/.well-known/oauth-authorization-server" && serve_rfc8414_) {
      return {200, nlohmann::json{{"issuer", issuer()},
                                  {"jwks_uri", issuer() + "/jwks"},
                                  {"introspection_endpoint", issuer() + "/introspect"}}
                       .dump()};
    }
    if (r.target == "/.well-known/openid-configuration") {
      return {200, nlohmann::json{{"issuer", issuer()}, {"jwks_uri", issuer() + "/jwks"}}.dump()};
    }
    if (r.target == "/other/jwks") {
      nlohmann::json doc = {{"keys", {other_.public_jwk()}}};
      return {200, doc.dump()};
    }
    if (r.target == "/introspect" && r.method == "POST") {
      // gw:secret in HTTP Basic
      if (r.authorization != "Basic Z3c6c2VjcmV0") return {401, R"({"error":"invalid_client"})"};
      if (r.body.find("token=opaque-good") == 0) {
        return {200, nlohmann::json{{"active", true},
                                    {"sub", "svc-user"},
                                    {"client_id", "app"},
                                    {"scope", "tools:read"},
                                    {"roles", {"admin"}},
                                    {"aud", kResource},
                                    {"exp", unix_now() + 300}}
                         .dump()};
      }
      if (r.body.find("token=opaque-no-aud") == 0)
        return {200, nlohmann::json{{"active", true}, {"sub", "y"}}.dump()};
      if (r.body.find("token=opaque-wrong-aud") == 0)
        return {200,
                nlohmann::json{{"active", true}, {"sub", "x"}, {"aud", "http://elsewhere"}}.dump()};
      return {200, R"({"active":false})"};
    }
    return AuthFixture::handle(r);
  }

  bool serve_rfc8414_ = true;
  SigningKey other_ = [] {
    auto k = SigningKey::generate("RS256");
    k.set_kid("rsa-1");  // the same kid as the first issuer's key, on purpose
    return k;
  }();
};

TEST_F(AuthenticatorTest, AcceptsEachAlgorithmAndBuildsTheIdentity) {
  auto auth = make(yaml());
  for (SigningKey* key : {&rsa_, &es_, &ed_}) {
    auto c = claims("alice-" + key->alg());
    c["client_id"] = "agent";
    auto r = run(*auth, bearer(key->mint(c)));
    ASSERT_TRUE(r.outcome.ok) << key->alg() << ": " << r.outcome.reason;
    const auto& id = *r.outcome.identity;
    EXPECT_EQ(id.scheme, "jwt");
    EXPECT_EQ(id.subject, "alice-" + key->alg());
    EXPECT_EQ(id.issuer, issuer());
    EXPECT_EQ(id.client_id, "agent");
    EXPECT_EQ(id.token_id, "id-alice-" + key->alg());
    EXPECT_EQ(id.roles, std::vector<std::string>{"user"});
    EXPECT_EQ(id.scopes, (std::vector<std::string>{"tools:read", "tools:call"}));
    EXPECT_EQ(std::chrono::system_clock::to_time_t(id.expires_at), c["exp"].get<long long>());
  }
}

TEST_F(AuthenticatorTest, Ps256KeyWithoutAlgIsAccepted) {
  auto ps = SigningKey::generate("PS256");
  ps.set_kid("ps-1");
  auto jwk = ps.public_jwk();
  jwk.erase("alg");
  {
    std::lock_guard lock(mutex_);
    auto doc = nlohmann::json::parse(jwks_);
    doc["keys"].push_back(jwk);
    jwks_ = doc.dump();
  }
  auto auth = make(yaml());
  auto r = run(*auth, bearer(ps.mint(claims())));
  EXPECT_TRUE(r.outcome.ok) << r.outcome.reason;
}

TEST_F(AuthenticatorTest, RoleMappingFromConfiguredClaimPath) {
  auto auth = make(yaml("  role_mapping: {admin: [gateway-admin], user: [gateway-user]}\n"));
  auto c = claims();
  c["roles"] = {"gateway-admin", "gateway-user", "other"};
  auto r = run(*auth, bearer(rsa_.mint(c)));
  ASSERT_TRUE(r.outcome.ok);
  EXPECT_EQ(r.outcome.identity->roles, (std::vector<std::string>{"admin", "user"}));
  EXPECT_EQ(r.outcome.identity->raw_roles.size(), 3u);
}

TEST_F(AuthenticatorTest, SecondCallIsACacheHitCompletedSynchronously) {
  auto auth = make(yaml());
  std::string token = bearer(rsa_.mint(claims()));
  auto first = run(*auth, token);
  ASSERT_TRUE(first.outcome.ok);
  int jwks_hits = server_.hits("/jwks");
  std::shared_ptr<const Identity> seen;
  auth->authenticate(token, [&](Outcome o) { seen = o.identity; });
  ASSERT_TRUE(seen);  // completed before returning, without running io
  EXPECT_EQ(seen.get(), first.outcome.identity.get());
  EXPECT_EQ(server_.hits("/jwks"), jwks_hits);
}

TEST_F(AuthenticatorTest, SchemeIsCaseInsensitiveAndEmptyBearerIsInvalidRequest) {
  auto auth = make(yaml());
  EXPECT_TRUE(run(*auth, "bearer " + rsa_.mint(claims())).outcome.ok);
  auto r = run(*auth, "Bearer ");
  EXPECT_EQ(r.outcome.http_status, 400);  // RFC 6750 §3.1: invalid_request is a 400
  EXPECT_EQ(r.outcome.error, "invalid_request");
  EXPECT_EQ(r.outcome.reason, "empty bearer token");
}

TEST_F(AuthenticatorTest, DiscoversJwksThroughRfc8414Metadata) {
  std::string config =
      "auth:\n  resource: " + kResource + "\n  issuers:\n    - issuer: " + issuer() + "\n";
  auto auth = make(config);
  auto r = run(*auth, bearer(rsa_.mint(claims())));
  ASSERT_TRUE(r.outcome.ok) << r.outcome.reason;
  EXPECT_GE(server_.hits("/.well-known/oauth-authorization-server"), 1);
  EXPECT_EQ(server_.hits("/.well-known/openid-configuration"), 0);
}

TEST_F(AuthenticatorTest, FallsBackToOpenIdDiscovery) {
  serve_rfc8414_ = false;
  std::string config =
      "auth:\n  resource: " + kResource + "\n  issuers:\n    - issuer: " + issuer() + "\n";
  auto auth = make(config);
  auto r = run(*auth, bearer(es_.mint(claims())));
  ASSERT_TRUE(r.outcome.ok) << r.outcome.reason;
  EXPECT_GE(server_.hits("/.well-known/openid-configuration"), 1);
}

TEST_F(AuthenticatorTest, SeveralIssuersEachWithTheirOwnKeys) {
  // A second issuer name served by the same loopback server, with its own JWKS.
  std::string second = issuer() + "/other";
  auto config = yaml();
  config.replace(config.find("  required_scopes"), 0,
                 "    - issuer: " + second + "\n      jwks_uri: " + issuer() + "/other/jwks\n");
  auto auth = make(config);
  auto c = claims();
  c["iss"] = second;
  EXPECT_TRUE(run(*auth, bearer(other_.mint(c))).outcome.ok);
  EXPECT_TRUE(run(*auth, bearer(rsa_.mint(claims()))).outcome.ok);
  // Issuer A's name with issuer B's key (same kid): rejected.
  auto r = run(*auth, bearer(other_.mint(claims("mallory"))));
  EXPECT_FALSE(r.outcome.ok);
  EXPECT_EQ(r.outcome.reason, "signature verification failed");
}

TEST_F(AuthenticatorTest, StaticJwksFile) {
  std::string path = ::testing::TempDir() + "auth_test_jwks.json";
  { std::ofstream(path) << nlohmann::json{{"keys", {ed_.public_jwk()}}}.dump(); }
  auto auth = make("auth:\n  resource: " + kResource +
                   "\n  issuers:\n    - issuer: mcp-gateway-dev\n      jwks_file: " + path + "\n");
  auto c = claims();
  c["iss"] = "mcp-gateway-dev";
  auto r = run(*auth, bearer(ed_.mint(c)));
  EXPECT_TRUE(r.outcome.ok) << r.outcome.reason;
  // A local development issuer is not advertised as an authorization server.
  auto doc = nlohmann::json::parse(auth->protected_resource_metadata());
  EXPECT_TRUE(doc["authorization_servers"].empty());
  std::remove(path.c_str());
}

TEST_F(AuthenticatorTest, ApiKeys) {
  std::string key = "mcpgw_test_key_0123456789";
  auto auth = make(yaml("  api_keys:\n    - name: ci-bot\n      sha256: " + sha256_hex(key) +
                        "\n      roles: [user]\n      scopes: [tools:read, tools:call]\n"));
  for (const std::string& header : {"Bearer " + key, "ApiKey " + key}) {
    auto r = run(*auth, header);
    ASSERT_TRUE(r.outcome.ok) << r.outcome.reason;
    EXPECT_EQ(r.outcome.identity->scheme, "api_key");
    EXPECT_EQ(r.outcome.identity->subject, "ci-bot");
    EXPECT_EQ(r.outcome.identity->roles, std::vector<std::string>{"user"});
    EXPECT_TRUE(auth->check_scopes(*r.outcome.identity, "tools/call", "echo").ok);
  }
  auto wrong = run(*auth, "ApiKey mcpgw_wrong");
  EXPECT_EQ(wrong.outcome.http_status, 401);
  EXPECT_EQ(wrong.outcome.reason, "unknown API key");
  auto opaque = run(*auth, "Bearer mcpgw_wrong");
  EXPECT_EQ(opaque.outcome.reason,
            "token is not a JWT and no introspection endpoint is configured");
}

TEST_F(AuthenticatorTest, IntrospectionOfOpaqueTokensIsCached) {
  auto auth = make("auth:\n  resource: " + kResource + "\n  issuers:\n    - issuer: " + issuer() +
                   "\n      client_id: gw\n      client_secret: secret\n");
  auto r = run(*auth, "Bearer opaque-good");
  ASSERT_TRUE(r.outcome.ok) << r.outcome.reason;
  EXPECT_TRUE(r.on_io_thread);
  EXPECT_EQ(r.outcome.identity->scheme, "introspection");
  EXPECT_EQ(r.outcome.identity->subject, "svc-user");
  EXPECT_EQ(r.outcome.identity->client_id, "app");
  EXPECT_EQ(r.outcome.identity->roles, std::vector<std::string>{"admin"});
  EXPECT_EQ(server_.hits("/introspect"), 1);
  EXPECT_TRUE(run(*auth, "Bearer opaque-good").outcome.ok);
  EXPECT_EQ(server_.hits("/introspect"), 1);  // cached until expiry

  auto inactive = run(*auth, "Bearer opaque-revoked");
  EXPECT_EQ(inactive.outcome.http_status, 401);
  EXPECT_EQ(inactive.outcome.reason, "token is not active (introspection)");
  auto aud = run(*auth, "Bearer opaque-wrong-aud");
  EXPECT_EQ(aud.outcome.reason,
            "audience http://elsewhere is not this resource (" + kResource + ")");
  // A token issued for no resource in particular is not one issued for this gateway.
  auto none = run(*auth, "Bearer opaque-no-aud");
  EXPECT_EQ(none.outcome.http_status, 401);
  EXPECT_EQ(none.outcome.reason, "token names no audience (introspection)");
}

TEST_F(AuthenticatorTest, AnIssuerWhoseIntrospectionOmitsTheAudienceCanBeAllowedTo) {
  auto auth = make("auth:\n  resource: " + kResource + "\n  issuers:\n    - issuer: " + issuer() +
                   "\n      client_id: gw\n      client_secret: secret\n"
                   "      introspection_requires_audience: false\n");
  auto none = run(*auth, "Bearer opaque-no-aud");
  ASSERT_TRUE(none.outcome.ok) << none.outcome.reason;
  EXPECT_EQ(none.outcome.identity->subject, "y");
  // A named audience must still be this gateway.
  EXPECT_EQ(run(*auth, "Bearer opaque-wrong-aud").outcome.reason,
            "audience http://elsewhere is not this resource (" + kResource + ")");
}

TEST_F(AuthenticatorTest, IntrospectionWithWrongClientCredentialsFailsClosed) {
  auto auth = make("auth:\n  resource: " + kResource + "\n  issuers:\n    - issuer: " + issuer() +
                   "\n      client_id: gw\n      client_secret: wrong\n");
  auto r = run(*auth, "Bearer opaque-good");
  EXPECT_FALSE(r.outcome.ok);
  EXPECT_EQ(r.outcome.reason, "introspection failed: HTTP 401");
}

TEST_F(AuthenticatorTest, ProtectedResourceMetadata) {
  auto auth = make(yaml());
  EXPECT_TRUE(auth->enabled());
  auto doc = nlohmann::json::parse(auth->protected_resource_metadata());
  EXPECT_EQ(doc["resource"], kResource);
  EXPECT_EQ(doc["authorization_servers"], nlohmann::json::array({issuer()}));
  EXPECT_EQ(doc["scopes_supported"], nlohmann::json::array({"tools:call", "tools:read"}));
  EXPECT_EQ(auth->metadata_paths(),
            (std::vector<std::string>{"/.well-known/oauth-protected-resource/mcp",
                                      "/.well-known/oauth-protected-resource"}));
}

TEST_F(AuthenticatorTest, DisabledWithoutSection) {
  Authenticator auth(load_config(YAML::Load("listen: x\n")), io_);
  EXPECT_FALSE(auth.enabled());
  auto r = run(auth, "");
  ASSERT_TRUE(r.outcome.ok);
  EXPECT_EQ(r.outcome.identity->scheme, "none");
  EXPECT_EQ(r.outcome.identity->subject, "anonymous");
}

TEST_F(AuthenticatorTest, ToolScopesWithPrefixPatterns) {
  auto auth = make(yaml("  tool_scopes: {\"admin__*\": [tools:admin], exact: [x:y]}\n"));
  auto r = run(*auth, bearer(rsa_.mint(claims())));
  ASSERT_TRUE(r.outcome.ok);
  const auto& id = *r.outcome.identity;
  EXPECT_TRUE(auth->check_scopes(id, "tools/call", "user__echo").ok);
  auto denied = auth->check_scopes(id, "tools/call", "admin__reset");
  EXPECT_EQ(denied.http_status, 403);
  EXPECT_EQ(denied.reason, "missing scope tools:admin for tools/call admin__reset");
  EXPECT_EQ(auth->check_scopes(id, "tools/call", "exact").reason,
            "missing scope x:y for tools/call exact");
  EXPECT_TRUE(auth->check_scopes(id, "tools/call", "exactly").ok);
}

}  // namespace
}  // namespace mcpgw::auth::testing

namespace mcpgw::auth {
namespace {

// The one parser of the Authorization header, shared by authentication and by the session's
// kept token (token exchange).
TEST(AuthorizationHeader, SplitsSchemeAndTokenAndFindsBearerTokens) {
  auto parts = split_authorization("  Bearer   abc.def  ");
  EXPECT_EQ(parts.scheme, "Bearer");
  EXPECT_EQ(parts.token, "abc.def");
  EXPECT_EQ(split_authorization("Bearer").token, "");
  EXPECT_EQ(split_authorization("   ").scheme, "");
  EXPECT_EQ(bearer_token("bearer tok"), "tok");
  EXPECT_EQ(bearer_token("BEARER  tok "), "tok");
  EXPECT_EQ(bearer_token("ApiKey tok"), "");
  EXPECT_EQ(bearer_token("Basic dXNlcjpwdw=="), "");
  EXPECT_EQ(bearer_token("Bearertok"), "");
  EXPECT_EQ(bearer_token(""), "");
}

}  // namespace
}  // namespace mcpgw::auth
