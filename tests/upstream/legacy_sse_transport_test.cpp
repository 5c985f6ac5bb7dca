#include "upstream/legacy_sse_transport.h"

#include <gtest/gtest.h>

#include "test_support.h"
#include "transport_recorder.h"

namespace mcpgw::upstream {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::NodeServer;
using testing::Recorder;
using testing::request;
using testing::run_until;

class LegacySse : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    everything_ = std::make_unique<NodeServer>("sse");
    broken_ = std::make_unique<NodeServer>(testing::fixture("misbehaving_server.cjs"),
                                           std::vector<std::string>{});
  }
  static void TearDownTestSuite() {
    everything_.reset();
    broken_.reset();
  }

  std::unique_ptr<LegacySseTransport> make(const std::string& url, Recorder& rec) {
    config::ServerConfig s;
    s.name = "legacy";
    s.transport = config::TransportKind::Sse;
    s.url = url;
    s.connect_timeout = 3s;
    s.request_timeout = 20s;
    auto t = std::make_unique<LegacySseTransport>(s, make_shared_state(s, io_), io_);
    t->start(rec.handlers());
    return t;
  }

  asio::io_context io_;
  static std::unique_ptr<NodeServer> everything_, broken_;
};
std::unique_ptr<NodeServer> LegacySse::everything_, LegacySse::broken_;

TEST_F(LegacySse, InitializeListAndCallRoundTrip) {
  Recorder rec;
  auto t = make(everything_->url("/sse"), rec);
  // Sent before the endpoint event: queued until it arrives.
  t->send(testing::initialize_request(1));
  ASSERT_TRUE(run_until(io_, [&] { return rec.response(1) != nullptr; }));
  EXPECT_NE(t->endpoint().find("/message?sessionId="), std::string::npos) << t->endpoint();
  EXPECT_EQ(rec.response(1)->message["result"]["serverInfo"]["name"].is_string(), true);
  t->send(testing::kInitialized);
  t->send(request(2, "tools/list"));
  t->send(request(3, "tools/call", {{"name", "get-sum"}, {"arguments", {{"a", 2}, {"b", 40}}}}));
  ASSERT_TRUE(run_until(io_, [&] { return rec.response(2) && rec.response(3); }));
  EXPECT_GE(rec.response(2)->message["result"]["tools"].size(), 10u);
  EXPECT_NE(rec.response(3)->message["result"]["content"][0]["text"].get<std::string>().find("42"),
            std::string::npos)
      << rec.response(3)->message;
  EXPECT_TRUE(rec.closed.empty());

  t->close();
  io_.restart();
  auto begun = std::chrono::steady_clock::now();
  io_.run_for(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 3s) << "close() cancels the SSE stream";
  EXPECT_TRUE(rec.closed.empty());
}

TEST_F(LegacySse, DroppingTheTransportAtOnceIsSafe) {
  // The stream and POST coroutines must not outlive the state they use (ASan checks this build).
  Recorder rec;
  {
    auto t = make(everything_->url("/sse"), rec);
    t->send(testing::initialize_request(1));
  }
  io_.restart();
  io_.run_for(500ms);
  EXPECT_TRUE(rec.received.empty()) << "nothing is delivered after the transport is gone";
  EXPECT_TRUE(rec.closed.empty());
}

TEST_F(LegacySse, ProgressArrivesOnTheStreamBeforeTheResult) {
  Recorder rec;
  auto t = make(everything_->url("/sse"), rec);
  t->send(testing::initialize_request(1));
  ASSERT_TRUE(run_until(io_, [&] { return rec.response(1) != nullptr; }));
  t->send(testing::kInitialized);
  t->send(request(4, "tools/call",
                  {{"name", "trigger-long-running-operation"},
                   {"arguments", {{"duration", 0.6}, {"steps", 2}}},
                   {"_meta", {{"progressToken", 44}}}}));
  ASSERT_TRUE(run_until(
      io_, [&] { return rec.response(4) != nullptr; }, 10s));
  auto progress = rec.with_method("notifications/progress");
  ASSERT_EQ(progress.size(), 2u);
  EXPECT_EQ(progress[0]->message["params"]["progressToken"], 44);
  EXPECT_LT(progress[0]->at, rec.response(4)->at);
}

TEST_F(LegacySse, EndpointOnAnotherOriginIsRefused) {
  Recorder rec;
  auto t = make(broken_->url("/sse-foreign"), rec);
  t->send(request(1, "ping"));
  ASSERT_TRUE(run_until(
      io_, [&] { return !rec.closed.empty(); }, 5s));
  EXPECT_NE(rec.closed[0].find("another origin"), std::string::npos) << rec.closed[0];
  EXPECT_TRUE(t->endpoint().empty());
}

TEST_F(LegacySse, FailedStreamRequestIsReported) {
  Recorder rec;
  auto t = make(broken_->url("/sse-nostream"), rec);
  ASSERT_TRUE(run_until(
      io_, [&] { return !rec.closed.empty(); }, 5s));
  EXPECT_NE(rec.closed[0].find("HTTP 500"), std::string::npos) << rec.closed[0];
}

TEST_F(LegacySse, UpstreamDownIsReported) {
  Recorder rec;
  auto t = make("http://127.0.0.1:" + std::to_string(testing::unused_port()) + "/sse", rec);
  t->send(request(1, "ping"));
  ASSERT_TRUE(run_until(
      io_, [&] { return !rec.closed.empty(); }, 5s));
  EXPECT_NE(rec.closed[0].find("Connection refused"), std::string::npos) << rec.closed[0];
  io_.restart();
  io_.run_for(100ms);
  EXPECT_EQ(rec.closed.size(), 1u);
}

TEST_F(LegacySse, PostRejectedByTheServerFailsTheRequest) {
  Recorder rec;
  auto t = make(everything_->url("/sse"), rec);
  t->send(testing::initialize_request(1));
  ASSERT_TRUE(run_until(io_, [&] { return rec.response(1) != nullptr; }));
  // Not JSON-RPC: the SDK's SSE transport answers 400, so the request id gets an error.
  t->send(R"({"jsonrpc":"2.0","id":9,"method":5})");
  ASSERT_TRUE(run_until(
      io_, [&] { return rec.response(9) != nullptr; }, 5s));
  EXPECT_NE(rec.response(9)->message["error"]["message"].get<std::string>().find("HTTP 4"),
            std::string::npos)
      << rec.response(9)->message;
}

}  // namespace
}  // namespace mcpgw::upstream
