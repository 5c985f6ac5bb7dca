// Upstream credentials in the HTTP transports, against a real server that requires a bearer
// token (fixtures/bearer_server.cjs) and records the Authorization header of every request.
#include "upstream/credentials.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "test_support.h"
#include "transport_recorder.h"
#include "upstream/legacy_sse_transport.h"
#include "upstream/streamable_http_transport.h"

namespace mcpgw::upstream {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::NodeServer;
using testing::Recorder;
using testing::request;
using testing::run_until;

// A credential source the test steers: the current value, why there is none, and the values
// that successive refreshes hand out. A refresh answers from its own thread after a short
// delay, as the gateway's token thread does.
class SteeredCredentials final : public Credentials {
 public:
  explicit SteeredCredentials(std::optional<std::string> value, std::string why = "",
                              std::vector<std::string> next = {})
      : value_(std::move(value)), why_(std::move(why)), next_(std::move(next)) {}
  ~SteeredCredentials() override {
    for (auto& t : threads_) t.join();
  }
  std::optional<std::string> authorization(std::string& why_not) const override {
    std::lock_guard lock(mutex_);
    if (!value_) why_not = why_;
    return value_;
  }
  void refresh(const std::string& rejected, std::function<void()> done) override {
    std::lock_guard lock(mutex_);
    rejected_.push_back(rejected);
    threads_.emplace_back([this, done = std::move(done)] {
      std::this_thread::sleep_for(20ms);
      {
        std::lock_guard lock(mutex_);
        if (!next_.empty()) {
          value_ = next_.front();
          next_.erase(next_.begin());
        }
      }
      done();
    });
  }
  void set(std::optional<std::string> value) {
    std::lock_guard lock(mutex_);
    value_ = std::move(value);
  }
  std::vector<std::string> rejected() const {
    std::lock_guard lock(mutex_);
    return rejected_;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<std::string> value_;
  std::string why_;
  std::vector<std::string> next_, rejected_;
  std::vector<std::thread> threads_;
};

class UpstreamCredentials : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<NodeServer>(testing::fixture("bearer_server.cjs"),
                                           std::vector<std::string>{});
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override {
    control("/control/accept", "good");
    control("/control/reset", "");
  }
  static void control(const std::string& path, const std::string& body) {
    ASSERT_EQ(testing::http_status(server_->port(), "POST", path, {}, body), 204);
  }

  config::ServerConfig config(config::TransportKind kind) {
    config::ServerConfig s;
    s.name = "bearer";
    s.transport = kind;
    s.url = server_->url(kind == config::TransportKind::Http ? "/mcp" : "/sse");
    s.connect_timeout = 4s;
    s.request_timeout = 10s;
    return s;
  }

  // A started transport of `kind` to the server, presenting `creds`.
  std::unique_ptr<Transport> open(config::TransportKind kind,
                                  std::shared_ptr<SteeredCredentials> creds, Recorder& rec) {
    auto s = config(kind);
    std::unique_ptr<Transport> t;
    if (kind == config::TransportKind::Http)
      t = std::make_unique<StreamableHttpTransport>(s, make_shared_state(s, io_), io_,
                                                    StreamableHttpOptions{}, std::move(creds));
    else
      t = std::make_unique<LegacySseTransport>(s, make_shared_state(s, io_), io_, std::move(creds));
    t->start(rec.handlers());
    return t;
  }

  // Sends request `id` ("log": the server answers with every request it recorded).
  const testing::Received* call(Transport& t, Recorder& rec, int id) {
    t.send(request(id, "log"));
    run_until(
        io_, [&] { return rec.response(id) != nullptr; }, 10s);
    return rec.response(id);
  }

  // (method path authorization) of every request the server recorded, as one string each.
  static std::vector<std::string> requests(const testing::Received& r) {
    std::vector<std::string> out;
    for (const auto& e : r.message["result"]["log"])
      out.push_back(e["method"].get<std::string>() + " " + e["path"].get<std::string>() + " " +
                    (e["authorization"].is_null() ? "-" : e["authorization"].get<std::string>()));
    return out;
  }

  asio::io_context io_;
  static std::unique_ptr<NodeServer> server_;
};
std::unique_ptr<NodeServer> UpstreamCredentials::server_;

TEST_F(UpstreamCredentials, EveryHttpRequestCarriesTheToken) {
  auto creds = std::make_shared<SteeredCredentials>("Bearer good");
  auto s = config(config::TransportKind::Http);
  {
    StreamableHttpTransport t(s, make_shared_state(s, io_), io_, {}, creds);
    Recorder rec;
    t.start(rec.handlers());
    t.send(testing::initialize_request(1));
    ASSERT_TRUE(run_until(io_, [&] { return rec.response(1) != nullptr; }));
    ASSERT_TRUE(rec.response(1)->message.contains("result")) << rec.response(1)->message;
    t.on_initialized("2025-11-25");
    ASSERT_TRUE(run_until(io_, [&] { return t.get_stream_open(); }));
    t.close();  // DELETE
    io_.restart();
    io_.run_for(300ms);
  }
  Recorder rec;
  auto t = open(config::TransportKind::Http, creds, rec);
  auto* r = call(*t, rec, 2);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(requests(*r),
            (std::vector<std::string>{"POST /mcp Bearer good", "GET /mcp Bearer good",
                                      "DELETE /mcp Bearer good", "POST /mcp Bearer good"}));
  EXPECT_TRUE(creds->rejected().empty());
}

TEST_F(UpstreamCredentials, RefusedTokenIsRenewedAndTheRequestRetriedOnce) {
  auto creds = std::make_shared<SteeredCredentials>("Bearer old", "",
                                                    std::vector<std::string>{"Bearer good"});
  Recorder rec;
  auto t = open(config::TransportKind::Http, creds, rec);
  auto* r = call(*t, rec, 7);
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->message.contains("result")) << r->message;
  EXPECT_EQ(requests(*r),
            (std::vector<std::string>{"POST /mcp Bearer old", "POST /mcp Bearer good"}));
  EXPECT_EQ(creds->rejected(), std::vector<std::string>{"Bearer old"});
  EXPECT_EQ(rec.received.size(), 1u);
}

TEST_F(UpstreamCredentials, TokenRefusedAgainAfterRenewalFailsTheRequestClearly) {
  auto creds = std::make_shared<SteeredCredentials>("Bearer bad1", "",
                                                    std::vector<std::string>{"Bearer bad2"});
  Recorder rec;
  auto t = open(config::TransportKind::Http, creds, rec);
  auto* r = call(*t, rec, 3);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->message["error"]["code"], -32603);
  EXPECT_EQ(r->message["error"]["message"],
            "upstream 'bearer' rejected the gateway's credentials (HTTP 401); a new token was "
            "rejected too");
  EXPECT_EQ(creds->rejected(), std::vector<std::string>{"Bearer bad1"}) << "one renewal only";
  EXPECT_EQ(rec.received.size(), 1u);
}

TEST_F(UpstreamCredentials, NoTokenFailsTheRequestWithTheReasonAndSendsNothing) {
  auto creds = std::make_shared<SteeredCredentials>(
      std::nullopt, "no token from http://127.0.0.1:9/token: connect: Connection refused");
  Recorder rec;
  auto t = open(config::TransportKind::Http, creds, rec);
  auto* r = call(*t, rec, 4);
  ASSERT_NE(r, nullptr) << "the request must not hang";
  EXPECT_EQ(r->message["error"]["message"],
            "upstream 'bearer': no credentials for the request (no token from "
            "http://127.0.0.1:9/token: connect: Connection refused)");
  EXPECT_EQ(creds->rejected(), std::vector<std::string>{""}) << "it asked for a token once";
  // Once a token exists, requests go out; the server saw none before this one.
  creds->set("Bearer good");
  r = call(*t, rec, 5);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(requests(*r), std::vector<std::string>{"POST /mcp Bearer good"});
}

TEST_F(UpstreamCredentials, LegacySseStreamAndPostsCarryTheTokenAndA401IsRetried) {
  auto creds = std::make_shared<SteeredCredentials>("Bearer good", "",
                                                    std::vector<std::string>{"Bearer new"});
  Recorder rec;
  auto t = open(config::TransportKind::Sse, creds, rec);
  auto* r = call(*t, rec, 1);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(requests(*r),
            (std::vector<std::string>{"GET /sse Bearer good", "POST /messages Bearer good"}));
  // The server rotates: "good" is refused from now on (the open stream stays).
  control("/control/accept", "new");
  r = call(*t, rec, 2);
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->message.contains("result")) << r->message;
  EXPECT_EQ(requests(*r),
            (std::vector<std::string>{"GET /sse Bearer good", "POST /messages Bearer good",
                                      "POST /messages Bearer good", "POST /messages Bearer new"}));
  EXPECT_EQ(creds->rejected(), std::vector<std::string>{"Bearer good"});
  EXPECT_TRUE(rec.closed.empty());
}

TEST_F(UpstreamCredentials, LegacySseWithoutATokenClosesNamingTheReason) {
  auto creds = std::make_shared<SteeredCredentials>(std::nullopt, "no token from X yet");
  Recorder rec;
  auto t = open(config::TransportKind::Sse, creds, rec);
  t->send(request(1, "log"));
  ASSERT_TRUE(run_until(io_, [&] { return !rec.closed.empty(); }));
  EXPECT_EQ(rec.closed[0],
            "upstream 'bearer': no credentials for the request (no token from X yet)");
}

TEST_F(UpstreamCredentials, LegacySseStreamRefusedRenewsTheTokenForTheRestart) {
  auto creds = std::make_shared<SteeredCredentials>("Bearer old", "",
                                                    std::vector<std::string>{"Bearer good"});
  {
    Recorder rec;
    auto t = open(config::TransportKind::Sse, creds, rec);
    ASSERT_TRUE(run_until(io_, [&] { return !rec.closed.empty(); }));
    EXPECT_EQ(rec.closed[0],
              "upstream 'bearer' rejected the gateway's credentials (HTTP 401); a new token is "
              "ready for the restart");
    EXPECT_EQ(creds->rejected(), std::vector<std::string>{"Bearer old"});
  }
  // What the owner does next: a new transport, which has the renewed token.
  io_.restart();
  Recorder rec;
  auto t = open(config::TransportKind::Sse, creds, rec);
  auto* r = call(*t, rec, 1);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(requests(*r), (std::vector<std::string>{"GET /sse Bearer old", "GET /sse Bearer good",
                                                    "POST /messages Bearer good"}));
}

}  // namespace
}  // namespace mcpgw::upstream
