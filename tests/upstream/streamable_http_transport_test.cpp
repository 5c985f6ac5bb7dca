#include "upstream/streamable_http_transport.h"

#include <gtest/gtest.h>

#include "test_support.h"
#include "transport_recorder.h"
#include "upstream/http_exchange.h"
#include "upstream/http_pool.h"

namespace mcpgw::upstream {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::NodeServer;
using testing::Recorder;
using testing::request;
using testing::run_until;

class StreamableHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<NodeServer>("streamableHttp"); }
  static void TearDownTestSuite() { server_.reset(); }

  config::ServerConfig config(const std::string& url = "") {
    config::ServerConfig s;
    s.name = "everything";
    s.transport = config::TransportKind::Http;
    s.url = url.empty() ? server_->url("/mcp") : url;
    s.connect_timeout = 2s;
    s.request_timeout = 20s;
    return s;
  }

  // initialize -> on_initialized -> notifications/initialized, as the session layer does.
  void initialize(StreamableHttpTransport& t, Recorder& rec, bool with_roots = false) {
    t.send(testing::initialize_request(1, with_roots));
    ASSERT_TRUE(run_until(io_, [&] { return rec.response(1) != nullptr; }));
    ASSERT_TRUE(rec.response(1)->message.contains("result")) << rec.response(1)->message;
    t.on_initialized(rec.response(1)->message["result"]["protocolVersion"]);
    t.send(testing::kInitialized);
  }

  asio::io_context io_;
  static std::unique_ptr<NodeServer> server_;
};
std::unique_ptr<NodeServer> StreamableHttp::server_;

TEST_F(StreamableHttp, InitializeListAndCallRoundTrip) {
  auto s = config();
  auto shared = make_shared_state(s, io_);
  StreamableHttpTransport t(s, shared, io_);
  Recorder rec;
  t.start(rec.handlers());
  initialize(t, rec);
  EXPECT_EQ(rec.response(1)->in_reply_to, "1");
  EXPECT_EQ(rec.response(1)->message["result"]["protocolVersion"], "2025-11-25");
  EXPECT_FALSE(t.session_id().empty());

  t.send(request(2, "tools/list"));
  t.send(
      request("call-3", "tools/call", {{"name", "echo"}, {"arguments", {{"message", "hello"}}}}));
  ASSERT_TRUE(run_until(io_, [&] { return rec.response(2) && rec.response("call-3"); }));
  EXPECT_EQ(rec.response(2)->in_reply_to, "2");
  EXPECT_GE(rec.response(2)->message["result"]["tools"].size(), 10u);
  EXPECT_EQ(rec.response("call-3")->in_reply_to, "\"call-3\"");
  EXPECT_EQ(rec.response("call-3")->message["result"]["content"][0]["text"], "Echo: hello");
  EXPECT_TRUE(rec.closed.empty());
}

TEST_F(StreamableHttp, KeepAliveConnectionsAreReused) {
  auto s = config();
  auto shared = make_shared_state(s, io_);
  StreamableHttpTransport t(s, shared, io_);
  Recorder rec;
  t.start(rec.handlers());
  initialize(t, rec);
  auto& pool = shared->pool_for(parse_url(s.url));
  for (int id = 10; id < 30; ++id) {
    t.send(request(id, "ping"));
    // The response event can arrive before its SSE stream has ended: wait for the connection
    // to be back in the pool, so that the next request may reuse it.
    ASSERT_TRUE(run_until(io_, [&] { return rec.response(id) && pool.in_use() == 0; }));
  }
  // One pooled connection carries the sequential POSTs; the GET stream has its own.
  EXPECT_LE(pool.opened(), 4u);  // 2 for initialize + initialized, the GET, a stale retry
  EXPECT_GE(pool.idle(), 1u);
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST_F(StreamableHttp, GetStreamOpensAtOnceAndCarriesServerRequests) {
  auto s = config();
  StreamableHttpTransport t(s, make_shared_state(s, io_), io_);
  Recorder rec;
  t.start(rec.handlers());
  // With the roots capability the server asks roots/list as soon as it sees
  // notifications/initialized, on the GET stream: lost unless that stream is already open.
  initialize(t, rec, /*with_roots=*/true);
  ASSERT_TRUE(run_until(
      io_, [&] { return !rec.with_method("roots/list").empty(); }, 10s));
  const auto* roots = rec.with_method("roots/list").front();
  EXPECT_EQ(roots->in_reply_to, "") << "server-initiated: not tied to one of our requests";
  EXPECT_TRUE(t.get_stream_open());
  // Our answer goes back as a POST (202) and the server logs that it got it.
  t.send(json{{"jsonrpc", "2.0"},
              {"id", roots->message["id"]},
              {"result", {{"roots", {{{"uri", "file:///tmp"}, {"name", "tmp"}}}}}}}
             .dump());
  ASSERT_TRUE(run_until(
      io_,
      [&] {
        for (const auto* m : rec.with_method("notifications/message"))
          if (m->message["params"]["data"].get<std::string>().find("Roots updated: 1") !=
              std::string::npos)
            return true;
        return false;
      },
      10s));
}

TEST_F(StreamableHttp, MessagesAfterInitializedWaitForTheGetStream) {
  auto s = config();
  StreamableHttpTransport t(s, make_shared_state(s, io_), io_);
  Recorder rec;
  t.start(rec.handlers());
  initialize(t, rec);
  // Sent at once: this tool logs one message on the GET stream immediately (then every 5 s).
  // If the POST overtook the GET stream's opening, that message would be lost.
  t.send(request(2, "tools/call",
                 {{"name", "toggle-simulated-logging"}, {"arguments", json::object()}}));
  ASSERT_TRUE(run_until(
      io_, [&] { return !rec.with_method("notifications/message").empty(); }, 3s));
  EXPECT_EQ(rec.with_method("notifications/message")[0]->in_reply_to, "");
  ASSERT_TRUE(run_until(io_, [&] { return rec.response(2) != nullptr; }));
  t.send(request(3, "tools/call",
                 {{"name", "toggle-simulated-logging"}, {"arguments", json::object()}}));
  ASSERT_TRUE(run_until(io_, [&] { return rec.response(3) != nullptr; }));
}

TEST_F(StreamableHttp, LongRunningToolStreamsProgressBeforeTheResult) {
  auto s = config();
  StreamableHttpTransport t(s, make_shared_state(s, io_), io_);
  Recorder rec;
  t.start(rec.handlers());
  initialize(t, rec);
  t.send(request(7, "tools/call",
                 {{"name", "trigger-long-running-operation"},
                  {"arguments", {{"duration", 1.5}, {"steps", 3}}},
                  {"_meta", {{"progressToken", "tok-7"}}}}));
  ASSERT_TRUE(run_until(
      io_, [&] { return rec.response(7) != nullptr; }, 15s));
  auto progress = rec.with_method("notifications/progress");
  ASSERT_EQ(progress.size(), 3u);
  for (const auto* p : progress) {
    EXPECT_EQ(p->in_reply_to, "7");
    EXPECT_EQ(p->message["params"]["progressToken"], "tok-7");
  }
  EXPECT_EQ(rec.response(7)->in_reply_to, "7");
  // Delivered as they happen, not buffered until the end: the first step came ~1 s earlier.
  EXPECT_GE(rec.response(7)->at - progress[0]->at, 700ms);
}

TEST_F(StreamableHttp, UpstreamDownGivesAJsonRpcErrorForTheRequest) {
  auto s = config("http://127.0.0.1:" + std::to_string(testing::unused_port()) + "/mcp");
  StreamableHttpTransport t(s, make_shared_state(s, io_), io_);
  Recorder rec;
  t.start(rec.handlers());
  t.send(testing::initialize_request(1));
  t.send(testing::kInitialized);  // a notification: nothing to answer
  ASSERT_TRUE(run_until(
      io_, [&] { return rec.response(1) != nullptr; }, 5s));
  const auto& m = rec.response(1)->message;
  EXPECT_EQ(m["error"]["code"], -32603);
  EXPECT_NE(m["error"]["message"].get<std::string>().find("connect: Connection refused"),
            std::string::npos)
      << m;
  EXPECT_EQ(rec.response(1)->in_reply_to, "1");
  io_.restart();
  io_.run_for(200ms);
  EXPECT_EQ(rec.received.size(), 1u);
}

TEST_F(StreamableHttp, CloseDeletesTheUpstreamSession) {
  auto s = config();
  StreamableHttpTransport t(s, make_shared_state(s, io_), io_);
  Recorder rec;
  t.start(rec.handlers());
  initialize(t, rec);
  ASSERT_TRUE(run_until(
      io_, [&] { return t.get_stream_open(); }, 5s));
  std::string session = t.session_id();
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/json"},
      {"Accept", "application/json, text/event-stream"},
      {"Mcp-Session-Id", session},
      {"MCP-Protocol-Version", "2025-11-25"}};
  std::string ping = request(99, "ping");
  ASSERT_EQ(testing::http_status(server_->port(), "POST", "/mcp", headers, ping), 200);
  t.close();
  // Runs until the DELETE has been answered and nothing else is pending: the GET stream must
  // have been cancelled, or run_for would use all of its 5 s.
  io_.restart();
  auto begun = std::chrono::steady_clock::now();
  io_.run_for(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - begun, 3s);
  EXPECT_GE(testing::http_status(server_->port(), "POST", "/mcp", headers, ping), 400)
      << "the session should be gone after close()";
  EXPECT_TRUE(rec.closed.empty());
}

TEST_F(StreamableHttp, DroppingTheTransportAtOnceIsSafe) {
  // Coroutines spawned by send() and on_initialized() must not outlive the state they use
  // (ASan checks this build).
  auto s = config();
  auto shared = make_shared_state(s, io_);
  int delivered = 0;
  for (int i = 0; i < 3; ++i) {
    auto t = std::make_unique<StreamableHttpTransport>(s, shared, io_);
    t->start({[&](std::string, std::string_view) { ++delivered; }, [](std::string) {}});
    t->send(testing::initialize_request(1));
    if (i > 0) t->on_initialized("2025-11-25");
    if (i > 1) t->send(request(2, "ping"));
    t.reset();
  }
  io_.restart();
  io_.run_for(1s);
  EXPECT_EQ(delivered, 0) << "nothing is delivered after the transport is gone";
}

TEST_F(StreamableHttp, CloseFromInsideOnMessageIsSafe) {
  auto s = config();
  StreamableHttpTransport t(s, make_shared_state(s, io_), io_);
  int delivered = 0;
  t.start({[&](std::string, std::string_view) {
             ++delivered;
             t.close();
           },
           [](std::string) {}});
  t.send(testing::initialize_request(1));
  ASSERT_TRUE(run_until(io_, [&] { return delivered > 0; }));
  io_.restart();
  io_.run_for(300ms);
  EXPECT_EQ(delivered, 1);
}

// Error paths, against a deliberately broken upstream.
class BrokenHttpUpstream : public StreamableHttp {
 protected:
  static void SetUpTestSuite() {
    broken_ = std::make_unique<NodeServer>(testing::fixture("misbehaving_server.cjs"),
                                           std::vector<std::string>{});
  }
  static void TearDownTestSuite() { broken_.reset(); }

  // Sends one request to `path` and returns what came back for it.
  const testing::Received* call(const std::string& path, Recorder& rec,
                                std::unique_ptr<StreamableHttpTransport>& t,
                                std::chrono::milliseconds request_timeout = 10s) {
    auto s = config(broken_->url(path));
    s.request_timeout = request_timeout;
    t = std::make_unique<StreamableHttpTransport>(s, make_shared_state(s, io_), io_);
    t->start(rec.handlers());
    t->send(request(5, "tools/call", {{"name", "x"}}));
    run_until(
        io_, [&] { return rec.response(5) != nullptr; }, 10s);
    return rec.response(5);
  }

  static std::unique_ptr<NodeServer> broken_;
};
std::unique_ptr<NodeServer> BrokenHttpUpstream::broken_;

TEST_F(BrokenHttpUpstream, HttpErrorStatusIsNamedInTheError) {
  Recorder rec;
  std::unique_ptr<StreamableHttpTransport> t;
  auto* r = call("/http500", rec, t);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->message["error"]["code"], -32603);
  EXPECT_NE(r->message["error"]["message"].get<std::string>().find("HTTP 500"), std::string::npos);
  EXPECT_TRUE(rec.closed.empty());
}

TEST_F(BrokenHttpUpstream, JsonRpcErrorBodyOfAnHttpErrorIsPassedOn) {
  Recorder rec;
  std::unique_ptr<StreamableHttpTransport> t;
  auto* r = call("/jsonerror", rec, t);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->message["error"]["message"], "Bad Request: from upstream");
  EXPECT_EQ(rec.received.size(), 1u) << "one answer per request";
}

TEST_F(BrokenHttpUpstream, StreamEndingBeforeTheResponseFailsTheRequest) {
  Recorder rec;
  std::unique_ptr<StreamableHttpTransport> t;
  auto* r = call("/cut", rec, t);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->message["error"]["message"].get<std::string>().find("ended its SSE stream"),
            std::string::npos);
  ASSERT_EQ(rec.with_method("notifications/message").size(), 1u) << "events before the end arrive";
  EXPECT_EQ(rec.with_method("notifications/message")[0]->in_reply_to, "5");
}

TEST_F(BrokenHttpUpstream, RequestTimeoutFailsTheRequest) {
  Recorder rec;
  std::unique_ptr<StreamableHttpTransport> t;
  auto* r = call("/slow", rec, t, 300ms);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->message["error"]["message"].get<std::string>().find("timed out"), std::string::npos)
      << r->message;
}

TEST_F(BrokenHttpUpstream, NonJsonBodyFailsTheRequest) {
  Recorder rec;
  std::unique_ptr<StreamableHttpTransport> t;
  auto* r = call("/garbage", rec, t);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->message["error"]["code"], -32603) << r->message;
  EXPECT_EQ(rec.received.size(), 1u) << "the garbage itself is not passed on";
}

TEST_F(BrokenHttpUpstream, Http404WithASessionMeansTheSessionExpired) {
  Recorder rec;
  std::unique_ptr<StreamableHttpTransport> t;
  ASSERT_NE(call("/expire", rec, t), nullptr);  // answered, with Mcp-Session-Id
  EXPECT_EQ(t->session_id(), "session-1");
  t->send(request(6, "tools/list"));
  ASSERT_TRUE(run_until(
      io_, [&] { return !rec.closed.empty(); }, 5s));
  EXPECT_NE(rec.closed[0].find("expired"), std::string::npos);
  ASSERT_NE(rec.response(6), nullptr) << "the request itself is answered too";
  EXPECT_EQ(rec.response(6)->message["error"]["code"], -32603);
}

TEST_F(BrokenHttpUpstream, MessagesAfterOnInitializedWaitUntilTheGetStreamIsOpen) {
  // The fixture's GET stream takes 300 ms to open and reports whether it was open when each
  // POST arrived: the transport must hold messages sent after on_initialized until then.
  auto s = config(broken_->url("/ordered"));
  StreamableHttpTransport t(s, make_shared_state(s, io_), io_);
  Recorder rec;
  t.start(rec.handlers());
  t.send(request(1, "initialize"));
  ASSERT_TRUE(run_until(
      io_, [&] { return rec.response(1) != nullptr; }, 5s));
  EXPECT_FALSE(rec.response(1)->message["result"]["getStreamWasOpen"]);
  t.on_initialized("2025-11-25");
  t.send(testing::kInitialized);
  t.send(request(2, "probe"));
  ASSERT_TRUE(run_until(
      io_, [&] { return rec.response(2) != nullptr; }, 5s));
  EXPECT_TRUE(rec.response(2)->message["result"]["getStreamWasOpen"]);
  EXPECT_TRUE(t.get_stream_open());
}

TEST_F(BrokenHttpUpstream, BrokenPostStreamIsResumedWithLastEventId) {
  Recorder rec;
  std::unique_ptr<StreamableHttpTransport> t;
  auto* r = call("/resumable", rec, t);
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->message.contains("result")) << r->message;
  EXPECT_EQ(r->message["result"]["resumedAfter"], "prime-1");
  EXPECT_EQ(r->in_reply_to, "5");
  ASSERT_EQ(rec.with_method("notifications/message").size(), 1u);
  EXPECT_EQ(rec.with_method("notifications/message")[0]->in_reply_to, "5");
}

TEST_F(BrokenHttpUpstream, RefusedResumptionFailsTheRequest) {
  Recorder rec;
  std::unique_ptr<StreamableHttpTransport> t;
  auto* r = call("/noresume", rec, t);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(
      r->message["error"]["message"].get<std::string>().find("refused to resume it (HTTP 405)"),
      std::string::npos)
      << r->message;
}

TEST_F(BrokenHttpUpstream, PoolCapsConnectionsAndQueuesTheRest) {
  auto s = config(broken_->url("/echo-slow"));
  ConnectionPool pool(io_, parse_url(s.url), nullptr, /*max_connections=*/2, 2s);
  int done = 0, ok = 0;
  size_t most_in_use = 0;
  for (int i = 0; i < 6; ++i) {
    auto req = make_request(http::verb::post, parse_url(s.url), {});
    req.set(http::field::content_type, "application/json");
    req.body() = request(i, "ping");
    asio::co_spawn(
        io_,
        [&, req = std::move(req)]() mutable -> asio::awaitable<void> {
          auto result = co_await exchange(
              pool, std::move(req), {},
              [&](const ResponseHead& h) {
                most_in_use = std::max(most_in_use, pool.in_use());
                ok += h.status == 200;
                return true;
              },
              [](std::string_view) { return true; });
          EXPECT_FALSE(result.ec) << result.ec.message();
          ++done;
        },
        asio::detached);
  }
  ASSERT_TRUE(run_until(
      io_, [&] { return done == 6; }, 10s));
  EXPECT_EQ(ok, 6);
  EXPECT_EQ(pool.opened(), 2u);
  EXPECT_EQ(most_in_use, 2u);
  EXPECT_EQ(pool.idle(), 2u);
}

TEST_F(BrokenHttpUpstream, DroppedGetStreamReconnectsWithLastEventId) {
  auto s = config(broken_->url("/dropget"));
  StreamableHttpTransport t(s, make_shared_state(s, io_), io_);
  Recorder rec;
  t.start(rec.handlers());
  t.send(request(1, "initialize"));
  ASSERT_TRUE(run_until(
      io_, [&] { return rec.response(1) != nullptr; }, 5s));
  t.on_initialized("2025-11-25");
  ASSERT_TRUE(run_until(
      io_, [&] { return !rec.with_method("notifications/second").empty(); }, 5s));
  ASSERT_EQ(rec.with_method("notifications/first").size(), 1u);
  EXPECT_EQ(rec.with_method("notifications/second")[0]->message["params"]["lastEventId"], "g1");
  EXPECT_TRUE(rec.closed.empty());
}

TEST_F(BrokenHttpUpstream, InvalidUrlIsReported) {
  auto s = config("ftp://127.0.0.1/mcp");
  StreamableHttpTransport t(s, make_shared_state(s, io_), io_);
  Recorder rec;
  t.start(rec.handlers());
  t.send(request(1, "ping"));
  ASSERT_TRUE(run_until(
      io_, [&] { return !rec.closed.empty(); }, 2s));
  EXPECT_NE(rec.closed[0].find("scheme 'ftp'"), std::string::npos) << rec.closed[0];
  ASSERT_NE(rec.response(1), nullptr);
}

}  // namespace
}  // namespace mcpgw::upstream
