#include "auth/token_exchange.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "loopback_http_server.h"
#include "ops/config.h"

namespace mcpgw::auth {
namespace {

using testing::LoopbackHttpServer;
using testing::TestRequest;
using testing::TestResponse;

// A token endpoint that exchanges "user-<name>" subject tokens for "x-<name>-<n>" and refuses
// the subject "user-mallory" with invalid_grant.
struct ExchangeEndpoint {
  std::mutex mutex;
  std::vector<std::string> bodies;
  std::atomic<int> issued{0};
  std::atomic<int> delay_ms{0};
  LoopbackHttpServer server{[this](const TestRequest& r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
    {
      std::lock_guard lock(mutex);
      bodies.push_back(r.body);
    }
    auto at = r.body.find("subject_token=user-");
    if (at == std::string::npos) return TestResponse{400, R"({"error":"invalid_request"})"};
    std::string name = r.body.substr(at + 19, r.body.find('&', at) - at - 19);
    if (name == "mallory")
      return TestResponse{400, R"({"error":"invalid_grant","error_description":"no delegation)"
                               R"( for mallory\r\nforged: line"})"};
    return TestResponse{
        200, nlohmann::json{{"access_token", "x-" + name + "-" + std::to_string(++issued)},
                            {"issued_token_type", kAccessTokenType},
                            {"token_type", "Bearer"},
                            {"expires_in", 600}}
                 .dump()};
  }};
  std::size_t requests() {
    std::lock_guard lock(mutex);
    return bodies.size();
  }
};

template <class F>
bool within_seconds(F cond) {
  for (int i = 0; i < 1000 && !cond(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return cond();
}

ClientCredentialsSettings settings_for(ExchangeEndpoint& idp) {
  return {.token_endpoint = idp.server.base_url() + "/token",
          .client_id = "gw",
          .client_secret = "s",
          .scope = "tools:call",
          .resource = "http://up/mcp",
          .token_exchange = true,
          .audience = "up",
          .min_refresh_interval = std::chrono::milliseconds(100)};
}

TEST(TokenExchange, ExchangesTheSubjectTokenAndCachesTheResultByItsDigest) {
  ExchangeEndpoint idp;
  TokenExchange exchange(settings_for(idp));
  std::string why;
  EXPECT_FALSE(exchange.authorization(digest_token("user-alice"), why));
  EXPECT_EQ(why,
            "no token from " + idp.server.base_url() + "/token yet for the user's token exchange");
  EXPECT_EQ(exchange.exchange_now("user-alice"), "");
  ASSERT_EQ(idp.requests(), 1u);
  EXPECT_EQ(idp.bodies[0],
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&"
            "subject_token=user-alice&"
            "subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&"
            "requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&"
            "client_id=gw&client_secret=s&scope=tools%3Acall&resource=http%3A%2F%2Fup%2Fmcp&"
            "audience=up");
  EXPECT_EQ(exchange.authorization(digest_token("user-alice"), why), "Bearer x-alice-1");
  EXPECT_FALSE(exchange.authorization(digest_token("user-bob"), why)) << "per subject token";
}

TEST(TokenExchange, ConcurrentAsksShareOneExchangeAndOthersGetTheirOwn) {
  ExchangeEndpoint idp;
  idp.delay_ms = 100;
  TokenExchange exchange(settings_for(idp));
  exchange.start();
  std::atomic<int> done{0};
  for (int i = 0; i < 3; ++i) exchange.request("user-alice", "", [&] { ++done; });
  exchange.request("user-bob", "", [&] { ++done; });
  ASSERT_TRUE(within_seconds([&] { return done == 4; }));
  EXPECT_EQ(idp.requests(), 2u) << "one exchange per subject token";
  std::string why;
  auto alice = exchange.authorization(digest_token("user-alice"), why);
  auto bob = exchange.authorization(digest_token("user-bob"), why);
  ASSERT_TRUE(alice && bob);
  EXPECT_NE(*alice, *bob);
  EXPECT_EQ(alice->rfind("Bearer x-alice-", 0), 0u);
  // A valid cached token other than the rejected one is answered at once.
  exchange.request("user-alice", "Bearer stale", [&] { ++done; });
  EXPECT_EQ(done, 5);
  EXPECT_EQ(idp.requests(), 2u);
  // The upstream refused the current one: exchanged again (once min_refresh_interval is over).
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  exchange.request("user-alice", *alice, [&] { ++done; });
  ASSERT_TRUE(within_seconds([&] { return done == 6; }));
  EXPECT_EQ(idp.requests(), 3u);
  auto renewed = exchange.authorization(digest_token("user-alice"), why);
  ASSERT_TRUE(renewed);
  EXPECT_NE(*renewed, *alice);
  exchange.stop();
}

TEST(TokenExchange, ARefusedExchangeNamesTheReasonAndIsNotRetriedAtOnce) {
  ExchangeEndpoint idp;
  TokenExchange exchange(settings_for(idp));
  exchange.start();
  std::atomic<int> done{0};
  exchange.request("user-mallory", "", [&] { ++done; });
  ASSERT_TRUE(within_seconds([&] { return done == 1; }));
  std::string why;
  EXPECT_FALSE(exchange.authorization(digest_token("user-mallory"), why));
  // The IdP's description, made printable (no forged log line).
  EXPECT_EQ(why, "token exchange at " + idp.server.base_url() +
                     "/token failed: token endpoint answered HTTP 400 (invalid_grant: no "
                     "delegation for mallory  forged: line)");
  // Asked again at once: answered with the same reason, no second request.
  exchange.request("user-mallory", "", [&] { ++done; });
  EXPECT_EQ(done, 2);
  EXPECT_EQ(idp.requests(), 1u);
  // After min_refresh_interval the exchange is tried again.
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  exchange.request("user-mallory", "", [&] { ++done; });
  ASSERT_TRUE(within_seconds([&] { return done == 3; }));
  EXPECT_EQ(idp.requests(), 2u);
  exchange.stop();
}

// An upstream that refuses every exchanged token does not get a token request per call: within
// min_refresh_interval of the last exchange the caller is answered at once with what there is.
TEST(TokenExchange, ARefusedTokenIsNotExchangedAgainWithinTheInterval) {
  ExchangeEndpoint idp;
  auto settings = settings_for(idp);
  settings.min_refresh_interval = std::chrono::minutes(1);
  TokenExchange exchange(settings);
  exchange.start();
  ASSERT_EQ(exchange.exchange_now("user-alice"), "");
  std::string why;
  auto token = exchange.authorization(digest_token("user-alice"), why);
  ASSERT_TRUE(token);
  for (int i = 0; i < 5; ++i) {
    bool done = false;
    exchange.request("user-alice", *token, [&] { done = true; });
    EXPECT_TRUE(done) << "answered at once";
  }
  EXPECT_EQ(idp.requests(), 1u) << "no exchange per refused call";
  EXPECT_EQ(exchange.authorization(digest_token("user-alice"), why), token);
  exchange.stop();
}

TEST(TokenExchange, TheCacheIsBounded) {
  ExchangeEndpoint idp;
  TokenExchange exchange(settings_for(idp), 2);
  for (auto name : {"a", "b", "c", "d"})
    EXPECT_EQ(exchange.exchange_now(std::string("user-") + name), "");
  EXPECT_EQ(exchange.size(), 2u);
  std::string why;
  EXPECT_TRUE(exchange.authorization(digest_token("user-d"), why)) << "the newest is kept";
}

TEST(TokenExchange, StopAnswersQueuedCallers) {
  ExchangeEndpoint idp;
  idp.delay_ms = 200;
  TokenExchange exchange(settings_for(idp));
  std::atomic<int> done{0};
  exchange.request("user-a", "", [&] { ++done; });  // running when stop() comes
  exchange.request("user-b", "", [&] { ++done; });  // still queued
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  exchange.stop();
  EXPECT_EQ(done, 2);
  std::string why;
  EXPECT_FALSE(exchange.authorization(digest_token("user-b"), why));
  EXPECT_NE(why.find("shutting down"), std::string::npos) << why;
}

TEST(TokenExchange, ConfigGrantKey) {
  auto load = [](const std::string& extra) {
    return load_upstream_credentials(
        YAML::Load("auth:\n  upstreams:\n    remote:\n      token_endpoint: http://idp/token\n"
                   "      client_id: gw\n" +
                   extra)["auth"])["remote"];
  };
  EXPECT_FALSE(load("").token_exchange);
  EXPECT_FALSE(load("      grant: client_credentials\n").token_exchange);
  auto s = load("      grant: token_exchange\n      audience: up\n");
  EXPECT_TRUE(s.token_exchange);
  EXPECT_EQ(s.audience, "up");
  auto error = [&](const std::string& extra) {
    try {
      load(extra);
    } catch (const config::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("      grant: password\n"),
            "auth.upstreams.remote.grant (line 6): must be client_credentials or token_exchange, "
            "not 'password'");
  EXPECT_EQ(error("      audience: up\n"),
            "auth.upstreams.remote.audience (line 6): only applies to grant: token_exchange");
}

}  // namespace
}  // namespace mcpgw::auth
