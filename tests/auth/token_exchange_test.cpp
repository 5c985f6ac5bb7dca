#include "auth/token_exchange.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "loopback_http_server.h"
#include "ops/config.h"

namespace mcpgw::auth {
namespace {

using testing::LoopbackHttpServer;
using testing::TestRequest;
using testing::TestResponse;

// A token endpoint that exchanges "user-<name>" subject tokens for "x-<name>-<n>" and refuses
// the subject "user-mallory" with invalid_grant. It answers up to 8 requests at once, and holds
// the exchange of a subject named by hold() until release(): the test decides when it ends.
struct ExchangeEndpoint {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> bodies;   // every request, in the order they came
  std::set<std::string> held;        // subjects whose exchange waits for release()
  std::vector<std::string> waiting;  // subjects held at the endpoint now, in the order they came
  int in_flight = 0, max_in_flight = 0;  // requests being answered at once: now, the most seen
  std::atomic<int> issued{0};
  LoopbackHttpServer server{[this](const TestRequest& r) { return answer(r); }, 8};

  ~ExchangeEndpoint() {  // a test that failed half way must not leave the server's threads held
    std::lock_guard lock(mutex);
    held.clear();
    cv.notify_all();
  }
  static std::string subject(const std::string& body) {
    auto at = body.find("subject_token=user-");
    if (at == std::string::npos) return "";
    return body.substr(at + 19, body.find('&', at) - at - 19);
  }
  TestResponse answer(const TestRequest& r) {
    std::string name = subject(r.body);
    {
      std::unique_lock lock(mutex);
      bodies.push_back(r.body);
      max_in_flight = std::max(max_in_flight, ++in_flight);
      if (held.count(name)) {
        waiting.push_back(name);
        cv.notify_all();
        cv.wait(lock, [&] { return !held.count(name); });
      }
      --in_flight;
      cv.notify_all();
    }
    if (name.empty()) return TestResponse{400, R"({"error":"invalid_request"})"};
    if (name == "mallory")
      return TestResponse{400, R"({"error":"invalid_grant","error_description":"no delegation)"
                               R"( for mallory\r\nforged: line"})"};
    return TestResponse{
        200, nlohmann::json{{"access_token", "x-" + name + "-" + std::to_string(++issued)},
                            {"issued_token_type", kAccessTokenType},
                            {"token_type", "Bearer"},
                            {"expires_in", 600}}
                 .dump()};
  }
  void hold(const std::string& name) {
    std::lock_guard lock(mutex);
    held.insert(name);
  }
  void release(const std::string& name) {
    std::lock_guard lock(mutex);
    held.erase(name);
    std::erase(waiting, name);
    cv.notify_all();
  }
  // Waits (10 s at most: a bound for a broken build, not a measurement) until `cond` holds.
  template <class F>
  bool wait_for(F cond) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, std::chrono::seconds(10), cond);
  }
  bool holding(const std::string& name) {
    return wait_for([&] { return std::count(waiting.begin(), waiting.end(), name) > 0; });
  }
  std::size_t requests() {
    std::lock_guard lock(mutex);
    return bodies.size();
  }
  std::vector<std::string> subjects() {  // of the requests, in the order they came
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& b : bodies) out.push_back(subject(b));
    return out;
  }
};

template <class F>
bool within_seconds(F cond) {
  for (int i = 0; i < 1000 && !cond(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return cond();
}

ClientCredentialsSettings settings_for(ExchangeEndpoint& idp, std::size_t max_concurrent = 4) {
  return {.token_endpoint = idp.server.base_url() + "/token",
          .client_id = "gw",
          .client_secret = "s",
          .scope = "tools:call",
          .resource = "http://up/mcp",
          .token_exchange = true,
          .audience = "up",
          .min_refresh_interval = std::chrono::milliseconds(100),
          .max_concurrent_exchanges = max_concurrent};
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
  idp.hold("alice");  // the three asks come while the first one's exchange is under way
  TokenExchange exchange(settings_for(idp));
  exchange.start();
  std::atomic<int> done{0};
  for (int i = 0; i < 3; ++i) exchange.request("user-alice", "", [&] { ++done; });
  exchange.request("user-bob", "", [&] { ++done; });
  ASSERT_TRUE(idp.holding("alice"));
  idp.release("alice");
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

// stop() waits for the exchanges under way (their callers get what the IdP answered) and ends
// the queued ones without a token.
TEST(TokenExchange, StopAnswersQueuedCallers) {
  ExchangeEndpoint idp;
  idp.hold("a");
  idp.hold("b");
  std::atomic<int> done{0}, probes_answered{0};
  TokenExchange exchange(settings_for(idp, 2));
  exchange.start();
  exchange.request("user-a", "", [&] { ++done; });  // running when stop() comes
  exchange.request("user-b", "", [&] { ++done; });  // running too
  ASSERT_TRUE(idp.holding("a") && idp.holding("b"));
  exchange.request("user-c", "", [&] { ++done; });  // still queued: both threads are busy
  std::thread stopping([&] { exchange.stop(); });
  // Once stop() has begun, a new ask is not queued: it is answered at once. Until then the
  // probes queue up behind user-c, and are ended by stop() like it.
  int probes = 0;
  for (bool refused = false; !refused && probes < 10000; ++probes) {
    exchange.request("user-probe" + std::to_string(probes), "", [&] { ++probes_answered; });
    refused = probes_answered > 0;  // (no queued probe can run: both threads are held)
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(probes_answered, 1);
  EXPECT_EQ(done, 0) << "stop() waits for the running exchanges";
  idp.release("a");
  idp.release("b");
  stopping.join();
  EXPECT_EQ(done, 3);
  EXPECT_EQ(probes_answered, probes) << "the queued probes were ended too";
  std::string why;
  EXPECT_TRUE(exchange.authorization(digest_token("user-a"), why)) << why;
  EXPECT_TRUE(exchange.authorization(digest_token("user-b"), why)) << why;
  EXPECT_FALSE(exchange.authorization(digest_token("user-c"), why));
  EXPECT_NE(why.find("shutting down"), std::string::npos) << why;
  EXPECT_FALSE(exchange.authorization(digest_token("user-probe0"), why));
  EXPECT_EQ(idp.requests(), 2u) << "nothing queued was sent";
}

// One slow answer of the IdP for one user does not hold up another user's exchange.
TEST(TokenExchange, AnotherUsersExchangeEndsWhileOneIsHeldAtTheIdp) {
  ExchangeEndpoint idp;
  idp.hold("alice");
  std::atomic<int> alice_done{0}, bob_done{0};
  TokenExchange exchange(settings_for(idp));
  exchange.start();
  exchange.request("user-alice", "", [&] { ++alice_done; });
  ASSERT_TRUE(idp.holding("alice"));
  exchange.request("user-bob", "", [&] { ++bob_done; });
  ASSERT_TRUE(within_seconds([&] { return bob_done == 1; }));
  std::string why;
  EXPECT_EQ(exchange.authorization(digest_token("user-bob"), why), "Bearer x-bob-1");
  EXPECT_EQ(alice_done, 0) << "alice's exchange is still held";
  EXPECT_FALSE(exchange.authorization(digest_token("user-alice"), why));
  // Another ask for alice joins the exchange that is under way.
  exchange.request("user-alice", "", [&] { ++alice_done; });
  idp.release("alice");
  ASSERT_TRUE(within_seconds([&] { return alice_done == 2; }));
  EXPECT_EQ(exchange.authorization(digest_token("user-alice"), why), "Bearer x-alice-2");
  EXPECT_EQ(idp.subjects(), (std::vector<std::string>{"alice", "bob"}));
  exchange.stop();
}

// Exchanges of different users run at once, never more than max_concurrent_exchanges of them:
// every exchange is held at the IdP (which could answer 8 at once) and released one at a time,
// each time once the pool is full again.
TEST(TokenExchange, NoMoreThanMaxConcurrentExchangesRunAtOnce) {
  ExchangeEndpoint idp;
  const std::vector<std::string> users = {"u0", "u1", "u2", "u3", "u4", "u5", "u6"};
  for (const auto& u : users) idp.hold(u);
  std::atomic<int> done{0};
  TokenExchange exchange(settings_for(idp, 3));
  exchange.start();
  for (const auto& u : users) exchange.request("user-" + u, "", [&] { ++done; });
  for (std::size_t released = 0; released < users.size(); ++released) {
    std::size_t expect = std::min<std::size_t>(3, users.size() - released);
    ASSERT_TRUE(idp.wait_for([&] { return idp.waiting.size() >= expect; })) << released;
    std::string next;
    {
      std::lock_guard lock(idp.mutex);
      EXPECT_LE(idp.in_flight, 3);
      next = idp.waiting.front();
    }
    idp.release(next);
  }
  ASSERT_TRUE(within_seconds([&] { return done == static_cast<int>(users.size()); }));
  EXPECT_EQ(idp.requests(), users.size());
  std::lock_guard lock(idp.mutex);
  EXPECT_EQ(idp.max_in_flight, 3) << "three at once, and never more";
}

// max_concurrent_exchanges: 1 runs them in turn, in the order asked.
TEST(TokenExchange, OneAtATimeWhenMaxConcurrentExchangesIsOne) {
  ExchangeEndpoint idp;
  idp.hold("alice");
  std::atomic<int> done{0};
  TokenExchange exchange(settings_for(idp, 1));
  exchange.start();
  exchange.request("user-alice", "", [&] { ++done; });
  ASSERT_TRUE(idp.holding("alice"));
  exchange.request("user-bob", "", [&] { ++done; });
  exchange.request("user-carol", "", [&] { ++done; });
  idp.release("alice");
  ASSERT_TRUE(within_seconds([&] { return done == 3; }));
  EXPECT_EQ(idp.subjects(), (std::vector<std::string>{"alice", "bob", "carol"}));
  std::lock_guard lock(idp.mutex);
  EXPECT_EQ(idp.max_in_flight, 1);
}

// A full queue refuses the exchange at once, with the reason.
TEST(TokenExchange, AFullQueueRefusesAtOnce) {
  ExchangeEndpoint idp;
  idp.hold("a");
  std::atomic<int> done{0};
  std::atomic<bool> answered{false};
  TokenExchange exchange(settings_for(idp, 1), 10000, 1);
  exchange.start();
  exchange.request("user-a", "", [&] { ++done; });
  ASSERT_TRUE(idp.holding("a"));
  exchange.request("user-b", "", [&] { ++done; });  // the one queued place
  exchange.request("user-c", "", [&] { answered = true; });
  EXPECT_TRUE(answered);
  std::string why;
  EXPECT_FALSE(exchange.authorization(digest_token("user-c"), why));
  EXPECT_NE(why.find("too many token exchanges waiting"), std::string::npos) << why;
  idp.release("a");
  ASSERT_TRUE(within_seconds([&] { return done == 2; }));
  EXPECT_TRUE(exchange.authorization(digest_token("user-b"), why)) << why;
  exchange.stop();
}

// The settings of auth.upstreams.remote with `extra` lines (from line 6), or the error they make.
ClientCredentialsSettings load(const std::string& extra) {
  return load_upstream_credentials(
      YAML::Load("auth:\n  upstreams:\n    remote:\n      token_endpoint: http://idp/token\n"
                 "      client_id: gw\n" +
                 extra)["auth"])["remote"];
}
std::string error(const std::string& extra) {
  try {
    load(extra);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(TokenExchange, ConfigGrantKey) {
  EXPECT_FALSE(load("").token_exchange);
  EXPECT_FALSE(load("      grant: client_credentials\n").token_exchange);
  auto s = load("      grant: token_exchange\n      audience: up\n");
  EXPECT_TRUE(s.token_exchange);
  EXPECT_EQ(s.audience, "up");
  EXPECT_EQ(error("      grant: password\n"),
            "auth.upstreams.remote.grant (line 6): must be client_credentials or token_exchange, "
            "not 'password'");
  EXPECT_EQ(error("      audience: up\n"),
            "auth.upstreams.remote.audience (line 6): only applies to grant: token_exchange");
}

TEST(TokenExchange, ConfigMaxConcurrentExchangesKey) {
  EXPECT_EQ(load("      grant: token_exchange\n").max_concurrent_exchanges, 4u) << "the default";
  EXPECT_EQ(load("      grant: token_exchange\n      max_concurrent_exchanges: 1\n")
                .max_concurrent_exchanges,
            1u);
  EXPECT_EQ(load("      grant: token_exchange\n      max_concurrent_exchanges: 64\n")
                .max_concurrent_exchanges,
            64u);
  for (std::string bad : {"0", "65", "-1", "4x", "four", "1.5", ""})
    EXPECT_EQ(error("      grant: token_exchange\n      max_concurrent_exchanges: '" + bad + "'\n"),
              "auth.upstreams.remote.max_concurrent_exchanges (line 7): must be a whole number "
              "from 1 to 64, not '" +
                  bad + "'");
  EXPECT_EQ(error("      max_concurrent_exchanges: 2\n"),
            "auth.upstreams.remote.max_concurrent_exchanges (line 6): only applies to grant: "
            "token_exchange");
}

}  // namespace
}  // namespace mcpgw::auth
