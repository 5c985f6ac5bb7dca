#include "auth/upstream_credentials.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>

#include "loopback_http_server.h"
#include "ops/config.h"

namespace mcpgw::auth {
namespace {

using testing::LoopbackHttpServer;
using testing::TestRequest;
using testing::TestResponse;

TEST(UpstreamCredentials, ObtainsAndPresentsAClientCredentialsToken) {
  std::string seen_body;
  std::atomic<int> issued{0};
  LoopbackHttpServer idp([&](const TestRequest& r) {
    if (r.target != "/token" || r.method != "POST") return TestResponse{404, "{}"};
    seen_body = r.body;
    if (r.body.find("client_secret=s%20cret") == std::string::npos)
      return TestResponse{401, R"({"error":"invalid_client"})"};
    return TestResponse{200, nlohmann::json{{"access_token", "tok" + std::to_string(++issued)},
                                            {"token_type", "Bearer"},
                                            {"expires_in", 600}}
                                 .dump()};
  });
  ClientCredentialsToken source({.token_endpoint = idp.base_url() + "/token",
                                 .client_id = "gw",
                                 .client_secret = "s cret",
                                 .scope = "tools:call",
                                 .resource = "http://up/mcp"});
  EXPECT_FALSE(source.authorization());
  EXPECT_EQ(source.refresh_now(), "");
  EXPECT_EQ(*source.authorization(), "Bearer tok1");
  EXPECT_EQ(seen_body,
            "grant_type=client_credentials&client_id=gw&client_secret=s%20cret&scope=tools%3Acall&"
            "resource=http%3A%2F%2Fup%2Fmcp");
  // The background thread fetches at start.
  source.start();
  for (int i = 0; i < 400 && source.authorization() != "Bearer tok2"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(*source.authorization(), "Bearer tok2");
  source.stop();
}

TEST(UpstreamCredentials, ClientSecretBasicSendsTheSecretInTheAuthorizationHeader) {
  std::string seen_body, seen_authorization;
  LoopbackHttpServer idp([&](const TestRequest& r) {
    seen_body = r.body;
    seen_authorization = r.authorization;
    return TestResponse{200, R"({"access_token":"t","expires_in":60})"};
  });
  auto settings = load_upstream_credentials(
      YAML::Load("auth:\n  upstreams:\n    remote:\n      token_endpoint: " + idp.base_url() +
                 "/token\n      client_id: gw:1\n      client_secret: s/cret\n"
                 "      client_auth: client_secret_basic\n")["auth"])["remote"];
  ClientCredentialsToken source(settings);
  EXPECT_EQ(source.refresh_now(), "");
  EXPECT_EQ(seen_body, "grant_type=client_credentials");
  // base64("gw%3A1:s%2Fcret")
  EXPECT_EQ(seen_authorization, "Basic Z3clM0ExOnMlMkZjcmV0");
  EXPECT_EQ(*source.authorization(), "Bearer t");
}

TEST(UpstreamCredentials, ReportsTokenEndpointErrorsAndKeepsNoToken) {
  LoopbackHttpServer idp([](const TestRequest&) {
    return TestResponse{400, R"({"error":"invalid_client"})"};
  });
  ClientCredentialsToken source({.token_endpoint = idp.base_url() + "/token", .client_id = "gw"});
  EXPECT_EQ(source.refresh_now(), "token endpoint answered HTTP 400 (invalid_client)");
  EXPECT_FALSE(source.authorization());
  EXPECT_EQ(source.last_error(), "token endpoint answered HTTP 400 (invalid_client)");
}

// Waits (bounded) until `cond` holds.
template <class F>
bool eventually(F cond) {
  for (int i = 0; i < 1000 && !cond(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return cond();
}

TEST(UpstreamCredentials, ARejectedTokenIsReplacedByOneFetchSharedByEveryCaller) {
  std::atomic<int> issued{0};
  LoopbackHttpServer idp([&](const TestRequest&) {
    return TestResponse{
        200, nlohmann::json{{"access_token", "tok" + std::to_string(++issued)}, {"expires_in", 600}}
                 .dump()};
  });
  ClientCredentialsToken source({.token_endpoint = idp.base_url() + "/token",
                                 .client_id = "gw",
                                 .min_refresh_interval = std::chrono::milliseconds(50)});
  source.start();
  ASSERT_TRUE(eventually([&] { return source.authorization() == "Bearer tok1"; }));
  std::atomic<int> done{0};
  for (int i = 0; i < 3; ++i) source.request_refresh("Bearer tok1", [&] { ++done; });
  ASSERT_TRUE(eventually([&] { return done == 3; }));
  EXPECT_EQ(*source.authorization(), "Bearer tok2");
  EXPECT_EQ(issued, 2) << "three callers, one fetch";
  // A caller that saw an older token than the current one is answered at once, without a fetch.
  source.request_refresh("Bearer tok1", [&] { ++done; });
  EXPECT_EQ(done, 4);
  source.stop();
  EXPECT_EQ(issued, 2);
}

TEST(UpstreamCredentials, NoTokenSaysWhyAndForcedFetchesAreRateLimited) {
  std::atomic<int> calls{0};
  LoopbackHttpServer idp([&](const TestRequest&) {
    ++calls;
    return TestResponse{503, R"({"error":"temporarily_unavailable"})"};
  });
  std::string endpoint = idp.base_url() + "/token";
  ClientCredentialsToken source({.token_endpoint = endpoint,
                                 .client_id = "gw",
                                 .retry_interval = std::chrono::minutes(1),
                                 .min_refresh_interval = std::chrono::minutes(1)});
  std::string why;
  EXPECT_FALSE(source.authorization(why));
  EXPECT_EQ(why, "no token from " + endpoint + " yet");
  // Not started: nobody would fetch, so the caller is answered at once.
  bool answered = false;
  source.request_refresh("", [&] { answered = true; });
  EXPECT_TRUE(answered);

  source.start();
  ASSERT_TRUE(eventually([&] { return !source.last_error().empty(); }));
  EXPECT_FALSE(source.authorization(why));
  EXPECT_EQ(why, "no token from " + endpoint +
                     ": token endpoint answered HTTP 503 (temporarily_unavailable)");
  // Right after a failed fetch, an ask waits for the next allowed one (a minute away here)
  // instead of sending another token request; stop() answers it.
  std::atomic<bool> done{false};
  source.request_refresh("", [&] { done = true; });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(done);
  EXPECT_EQ(calls, 1);
  source.stop();
  EXPECT_TRUE(done);
}

TEST(UpstreamCredentials, EntriesMustNameAnHttpOrSseServerWithoutItsOwnAuthorization) {
  std::vector<config::ServerConfig> servers(3);
  servers[0].name = "remote";
  servers[0].transport = config::TransportKind::Http;
  servers[1].name = "local";
  servers[1].transport = config::TransportKind::Stdio;
  servers[2].name = "static";
  servers[2].transport = config::TransportKind::Sse;
  servers[2].headers["authorization"] = "Bearer x";
  auto load = [&](const std::string& name) -> std::string {
    try {
      load_upstream_credentials(
          YAML::Load("auth:\n  upstreams:\n    " + name +
                     ":\n      token_endpoint: http://i/t\n      client_id: gw\n")["auth"],
          &servers);
    } catch (const config::ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(load("remote"), "no error");
  EXPECT_EQ(load("remtoe"), "auth.upstreams.remtoe (line 3): no server is named 'remtoe'");
  EXPECT_EQ(load("local"),
            "auth.upstreams.local (line 3): server 'local' is a stdio process: credentials apply "
            "to http and sse servers");
  EXPECT_EQ(load("static"),
            "auth.upstreams.static (line 3): server 'static' already sets an Authorization "
            "header: use one or the other");
}

std::string config_error(const std::string& yaml) {
  try {
    load_upstream_credentials(YAML::Load(yaml)["auth"]);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(UpstreamCredentials, ConfigParsingAndErrors) {
  auto map = load_upstream_credentials(
      YAML::Load("auth:\n  upstreams:\n    remote:\n      token_endpoint: https://idp/token\n"
                 "      client_id: gw\n      scope: tools:call\n")["auth"]);
  ASSERT_EQ(map.size(), 1u);
  EXPECT_EQ(map["remote"].token_endpoint, "https://idp/token");
  EXPECT_EQ(map["remote"].scope, "tools:call");
  EXPECT_EQ(config_error("auth:\n  upstreams:\n    remote:\n      client_id: gw\n"),
            "auth.upstreams.remote.token_endpoint (line 4): required: the authorization server's "
            "token endpoint URL");
  EXPECT_EQ(config_error("auth:\n  upstreams:\n    remote:\n      token_endpoint: http://i/t\n"
                         "      client_id: gw\n      secret: x\n"),
            "auth.upstreams.remote.secret (line 6): unknown key");
  EXPECT_EQ(config_error("auth:\n  upstreams:\n    remote:\n      token_endpoint: http://i/t\n"
                         "      client_id: gw\n      client_auth: private_key_jwt\n"),
            "auth.upstreams.remote.client_auth (line 6): must be client_secret_post or "
            "client_secret_basic, not 'private_key_jwt'");
  EXPECT_EQ(config_error("auth:\n  upstreams: [1]\n"),
            "auth.upstreams (line 2): must be a mapping of server name to credentials");
}

}  // namespace
}  // namespace mcpgw::auth
