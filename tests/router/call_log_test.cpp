// CallLog, through a real recorder writing JSON lines: a client's calls end with their
// responses; requests an upstream sends to the client are audited like the client's own calls.
#include "router/call_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "audit/recorder.h"
#include "auth/authenticator.h"

namespace mcpgw::router {
namespace {

class CallLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mcpgw-call-log-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    audit::Settings s;
    s.sink = audit::SinkKind::Jsonl;
    s.path = (dir_ / "audit.jsonl").string();
    s.spool_dir = (dir_ / "spool").string();
    s.instance = "call-log-test";
    s.flush_interval = std::chrono::milliseconds(5);
    recorder_ = audit::Recorder::create(s);
    auto identity = std::make_shared<auth::Identity>();
    identity->subject = "alice";
    identity->roles = {"user"};
    info_ = SessionInfo{"session-1", identity, "127.0.0.1", "agent/1"};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Every event written, after the recorder drained its queue.
  std::vector<nlohmann::json> events() {
    recorder_->shutdown();
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ / "audit.jsonl");
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<audit::Recorder> recorder_;
  SessionInfo info_;
};

TEST_F(CallLogTest, AServerRequestAnsweredByTheClientIsOneEventOfItsOwn) {
  CallLog log(recorder_.get(), info_);
  std::string request =
      R"({"jsonrpc":"2.0","id":7,"method":"sampling/createMessage","params":{"messages":[{"role":"user","content":{"type":"text","text":"key sk-live0123456789abcdefghijkl"}}],"maxTokens":20}})";
  log.server_request(3, request, json::read_envelope(request), "everything");
  std::string answer =
      R"({"jsonrpc":"2.0","id":3,"result":{"role":"assistant","content":{"type":"text","text":"ok"},"model":"m"}})";
  log.server_request_answered(3, answer, json::read_envelope(answer));
  auto all = events();
  ASSERT_EQ(all.size(), 1u);
  const auto& e = all[0];
  EXPECT_EQ(e["mcp_method"], "sampling/createMessage");
  EXPECT_EQ(e["server"], "everything");
  EXPECT_EQ(e["target"], "");
  EXPECT_EQ(e["subject"], "alice");
  EXPECT_EQ(e["session_id"], "session-1");
  EXPECT_EQ(e["decision"], "allow");
  EXPECT_EQ(e["outcome"], "success");
  EXPECT_EQ(e["response_bytes"], static_cast<int64_t>(answer.size()));
  EXPECT_EQ(e["arguments"]["maxTokens"], 20);
  // The params are redacted like a call's arguments.
  EXPECT_EQ(e.dump().find("sk-live0123456789abcdefghijkl"), std::string::npos) << e.dump();
}

TEST_F(CallLogTest, AClientErrorAnswerIsAnErrorOutcomeWithItsCode) {
  CallLog log(recorder_.get(), info_);
  std::string request =
      R"({"jsonrpc":"2.0","id":"up-1","method":"elicitation/create","params":{"message":"name?"}})";
  log.server_request(4, request, json::read_envelope(request), "forms");
  std::string answer =
      R"({"jsonrpc":"2.0","id":4,"error":{"code":-32601,"message":"no elicitation here"}})";
  log.server_request_answered(4, answer, json::read_envelope(answer));
  auto all = events();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["mcp_method"], "elicitation/create");
  EXPECT_EQ(all[0]["outcome"], "error");
  EXPECT_EQ(all[0]["error_code"], -32601);
  EXPECT_EQ(all[0]["reason"], "no elicitation here");
}

TEST_F(CallLogTest, WithdrawnOrUnansweredServerRequestsEndAsCancelled) {
  CallLog log(recorder_.get(), info_);
  std::string roots = R"({"jsonrpc":"2.0","id":1,"method":"roots/list"})";
  log.server_request(5, roots, json::read_envelope(roots), "files");
  // A client cancelling its own request 5 does not end the server's request 5.
  log.cancelled("5");
  log.server_request_dropped(5, "withdrawn by the server");
  // An answer for a request no longer open records nothing more.
  std::string late = R"({"jsonrpc":"2.0","id":5,"result":{"roots":[]}})";
  log.server_request_answered(5, late, json::read_envelope(late));
  auto all = events();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["mcp_method"], "roots/list");
  EXPECT_EQ(all[0]["server"], "files");
  EXPECT_EQ(all[0]["outcome"], "error");
  EXPECT_EQ(all[0]["error_code"], -32800);
  EXPECT_EQ(all[0]["reason"], "withdrawn by the server");
}

// A client's call ends with the response that passes its stream: read from the response, or
// from what its sender already knew (the upstream link says the id and the error object).
TEST_F(CallLogTest, ACallEndsWithItsResponseReadOrToldAndItsErrorCode) {
  CallLog log(recorder_.get(), info_);
  int stream = 0;
  std::string call =
      R"({"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","arguments":{"x":1}}})";
  std::string second =
      R"({"jsonrpc":"2.0","id":"b","method":"tools/call","params":{"name":"fail","arguments":{}}})";
  log.begin(&stream, call, json::read_envelope(call));
  log.routed(&stream, R"("a")", "everything");
  log.begin(&stream, second, json::read_envelope(second));
  log.routed(&stream, R"("b")", "everything");
  std::string ok = R"({"jsonrpc":"2.0","id":"a","result":{"content":[]}})";
  log.end(&stream, ok);
  std::string failed =
      R"({"jsonrpc":"2.0","id":"b","error":{"code":-32602,"message":"bad arguments"}})";
  std::string error_object = R"({"code":-32602,"message":"bad arguments"})";
  session::EventStream::ResponseFacts facts{R"("b")", error_object};
  log.end(&stream, failed, &facts);
  auto all = events();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["target"], "echo");
  EXPECT_EQ(all[0]["outcome"], "success");
  EXPECT_TRUE(all[0]["error_code"].is_null());
  EXPECT_EQ(all[0]["response_bytes"], static_cast<int64_t>(ok.size()));
  EXPECT_EQ(all[1]["target"], "fail");
  EXPECT_EQ(all[1]["server"], "everything");
  EXPECT_EQ(all[1]["outcome"], "error");
  EXPECT_EQ(all[1]["error_code"], -32602);
  EXPECT_EQ(all[1]["reason"], "bad arguments");
  EXPECT_EQ(all[1]["response_bytes"], static_cast<int64_t>(failed.size()));
}

}  // namespace
}  // namespace mcpgw::router
