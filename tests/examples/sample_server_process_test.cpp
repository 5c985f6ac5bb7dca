// The sample server's protocol behaviour, through the real binary over pipes.
#include <gtest/gtest.h>

#include "sample_server_fixture.h"

namespace mcpgw::testing {
namespace {

int error_code_of(const json& reply) {
  return reply.at("error").at("code").get<int>();
}

class ProtocolTest : public SampleServerTest {};

TEST_F(ProtocolTest, NegotiatesEachSupportedProtocolVersion) {
  for (const char* version : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}) {
    start();
    json result = initialize(version);
    EXPECT_EQ(result.value("protocolVersion", ""), version);
    EXPECT_TRUE(result.at("capabilities").contains("tools"));
    EXPECT_TRUE(result.at("capabilities").contains("resources"));
    EXPECT_TRUE(result.at("capabilities").contains("prompts"));
    EXPECT_EQ(result.at("serverInfo").value("name", ""), "mcp-gateway-sample-server");
  }
}

TEST_F(ProtocolTest, AnswersAnUnknownVersionWithTheLatest) {
  start();
  EXPECT_EQ(initialize("1999-01-01").value("protocolVersion", ""), "2025-11-25");
}

TEST_F(ProtocolTest, InitializeWithoutProtocolVersionIsInvalidParams) {
  start();
  json reply = request("initialize", {{"capabilities", json::object()}});
  EXPECT_EQ(error_code_of(reply), -32602);
  reply = request("initialize", {{"protocolVersion", 20251125}});
  EXPECT_EQ(error_code_of(reply), -32602);
}

TEST_F(ProtocolTest, RefusesRequestsBeforeInitializeButAnswersPing) {
  start();
  EXPECT_EQ(error_code_of(request("tools/list")), -32600);
  EXPECT_EQ(request("ping").at("result"), json::object());
}

TEST_F(ProtocolTest, RefusesASecondInitialize) {
  start();
  initialize();
  EXPECT_EQ(error_code_of(request("initialize", {{"protocolVersion", "2025-11-25"}})), -32600);
}

TEST_F(ProtocolTest, NotificationsGetNoReply) {
  start();
  initialize();
  server_->write_line(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":9}})");
  server_->write_line(R"({"jsonrpc":"2.0","method":"some/unknown/notification"})");
  // The next line must be the ping's answer, not a reply to a notification.
  json reply = request("ping");
  EXPECT_TRUE(reply.contains("result"));
}

TEST_F(ProtocolTest, MalformedJsonIsParseErrorAndTheServerCarriesOn) {
  start();
  json reply = exchange(R"({"jsonrpc":"2.0","id":1,"method":)");
  EXPECT_EQ(error_code_of(reply), -32700);
  EXPECT_TRUE(reply.at("id").is_null());
  EXPECT_TRUE(request("ping").contains("result"));
}

TEST_F(ProtocolTest, NonObjectOrMalformedEnvelopeIsInvalidRequest) {
  start();
  EXPECT_EQ(error_code_of(exchange("42")), -32600);
  EXPECT_EQ(error_code_of(exchange(R"({"jsonrpc":"1.0","id":1,"method":"ping"})")), -32600);
  EXPECT_EQ(error_code_of(exchange(R"({"jsonrpc":"2.0","id":1,"method":7})")), -32600);
  EXPECT_EQ(error_code_of(exchange(R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})")), -32600);
  EXPECT_EQ(error_code_of(exchange(R"({"jsonrpc":"2.0","id":3})")), -32600);
  EXPECT_EQ(error_code_of(exchange("[]")), -32600);
}

TEST_F(ProtocolTest, UnknownMethodIsMethodNotFound) {
  start();
  initialize();
  json reply = request("tools/destroy");
  EXPECT_EQ(error_code_of(reply), -32601);
  EXPECT_NE(reply.at("error").value("message", "").find("tools/destroy"), std::string::npos);
  // logging is not a declared capability, so its methods do not exist either
  EXPECT_EQ(error_code_of(request("logging/setLevel", {{"level", "info"}})), -32601);
}

TEST_F(ProtocolTest, BadParamsAreInvalidParams) {
  start();
  initialize();
  EXPECT_EQ(error_code_of(exchange(R"({"jsonrpc":"2.0","id":"s","method":"ping","params":[1]})")),
            -32602);
  EXPECT_EQ(error_code_of(request("tools/call", json::object())), -32602);
  EXPECT_EQ(error_code_of(request("tools/call", {{"name", 5}})), -32602);
  EXPECT_EQ(error_code_of(request("tools/call", {{"name", "nope"}})), -32602);
  EXPECT_EQ(error_code_of(request("tools/call", {{"name", "calc"}, {"arguments", "1+1"}})), -32602);
  EXPECT_EQ(error_code_of(request("tools/list", {{"cursor", "abc"}})), -32602);
  EXPECT_EQ(error_code_of(request("resources/read", json::object())), -32602);
}

TEST_F(ProtocolTest, StringIdsAreEchoed) {
  start();
  json reply = exchange(R"({"jsonrpc":"2.0","id":"req-7","method":"ping"})");
  EXPECT_EQ(reply.at("id"), "req-7");
}

TEST_F(ProtocolTest, BatchGetsAnArrayWithoutNotificationReplies) {
  start();
  json reply = exchange(
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"},)"
      R"({"jsonrpc":"2.0","id":2,"method":"nope"}])");
  ASSERT_TRUE(reply.is_array());
  ASSERT_EQ(reply.size(), 2u);
  EXPECT_EQ(reply[0].at("id"), 1);
  EXPECT_EQ(reply[1].at("id"), 2);
  EXPECT_EQ(error_code_of(reply[1]), -32600);  // not initialized yet
}

TEST_F(ProtocolTest, ListsToolsWithSchemas) {
  start();
  initialize();
  json tools = request("tools/list").at("result").at("tools");
  std::vector<std::string> names;
  for (const json& tool : tools) {
    names.push_back(tool.at("name"));
    EXPECT_EQ(tool.at("inputSchema").value("type", ""), "object") << tool.dump();
    EXPECT_FALSE(tool.value("description", "").empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"time_now", "hash", "base64", "uuid", "json_query",
                                             "calc", "read_text_file"}));
  EXPECT_TRUE(tools[0].contains("outputSchema"));
}

TEST_F(ProtocolTest, OldProtocolGetsNoOutputSchemaNorStructuredContent) {
  start();
  initialize("2024-11-05");
  json tools = request("tools/list").at("result").at("tools");  // a copy: the reply is a temporary
  ASSERT_EQ(tools.size(), 7u);
  for (const json& tool : tools) {
    EXPECT_FALSE(tool.contains("outputSchema")) << tool.dump();
  }
  json result = call_tool("calc", {{"expression", "1+1"}});
  EXPECT_FALSE(result.contains("structuredContent"));
  EXPECT_EQ(text_of(result), "2");
}

TEST_F(ProtocolTest, ListsAndReadsResources) {
  start();
  initialize();
  json resources = request("resources/list").at("result").at("resources");
  ASSERT_EQ(resources.size(), 2u);
  EXPECT_EQ(resources[0].at("uri"), "sample://about");
  json about = request("resources/read", {{"uri", "sample://about"}}).at("result");
  EXPECT_EQ(about.at("contents")[0].at("mimeType"), "text/markdown");
  EXPECT_NE(about.at("contents")[0].value("text", "").find("json_query"), std::string::npos);

  call_tool("calc", {{"expression", "1/0"}});
  json status = json::parse(request("resources/read", {{"uri", "sample://status"}})
                                .at("result")
                                .at("contents")[0]
                                .value("text", "{}"));
  EXPECT_EQ(status.at("toolCalls"), 1);
  EXPECT_EQ(status.at("toolErrors"), 1);
  EXPECT_EQ(status.at("clientInitialized"), true);
  EXPECT_EQ(status.at("protocolVersion"), "2025-11-25");

  json templates = request("resources/templates/list").at("result").at("resourceTemplates");
  EXPECT_EQ(templates[0].at("uriTemplate"), "sample://files/{path}");
  json file = request("resources/read", {{"uri", "sample://files/docs/notes.md"}}).at("result");
  EXPECT_EQ(file.at("contents")[0].at("text"), "# Notes\nsecond line\n");
  json encoded = request("resources/read", {{"uri", "sample://files/docs%2Fnotes.md"}});
  EXPECT_EQ(encoded.at("result").at("contents")[0].at("text"), "# Notes\nsecond line\n");
}

TEST_F(ProtocolTest, ResourceErrors) {
  start();
  initialize();
  EXPECT_EQ(error_code_of(request("resources/read", {{"uri", "sample://nothing"}})), -32002);
  EXPECT_EQ(error_code_of(request("resources/read", {{"uri", "sample://files/missing.txt"}})),
            -32002);
  EXPECT_EQ(error_code_of(request("resources/read", {{"uri", "sample://files/../etc/passwd"}})),
            -32602);
  EXPECT_EQ(error_code_of(request("resources/read", {{"uri", "sample://files/%2E%2E/x"}})), -32602);
  EXPECT_EQ(error_code_of(request("resources/read", {{"uri", "sample://files/escape"}})), -32602);
}

TEST_F(ProtocolTest, PromptEmbedsTheFile) {
  start();
  initialize();
  json prompts = request("prompts/list").at("result").at("prompts");
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].at("name"), "summarize_file");
  json result =
      request("prompts/get", {{"name", "summarize_file"},
                              {"arguments", {{"path", "hello.txt"}, {"audience", "ops"}}}})
          .at("result");
  json messages = result.at("messages");
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_NE(messages[0].at("content").value("text", "").find("for ops"), std::string::npos);
  EXPECT_EQ(messages[1].at("content").at("resource").at("text"), "hello, world\n");
}

TEST_F(ProtocolTest, PromptErrorsAreInvalidParams) {
  start();
  initialize();
  EXPECT_EQ(error_code_of(request("prompts/get", {{"name", "nope"}})), -32602);
  EXPECT_EQ(error_code_of(request("prompts/get", {{"name", "summarize_file"}})), -32602);
  EXPECT_EQ(error_code_of(request("prompts/get", {{"name", "summarize_file"},
                                                  {"arguments", {{"path", "missing.txt"}}}})),
            -32602);
  EXPECT_EQ(error_code_of(
                request("prompts/get", {{"name", "summarize_file"}, {"arguments", {{"path", 3}}}})),
            -32602);
}

TEST_F(ProtocolTest, ExitsCleanlyAtEndOfInput) {
  start();
  initialize();
  server_->close_stdin();
  EXPECT_EQ(server_->wait_exit(), 0);
}

TEST_F(ProtocolTest, RefusesARootThatDoesNotExist) {
  StdioProcess process({SAMPLE_SERVER_BIN, "--root", "/nonexistent/folder"});
  auto status = process.wait_exit();
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(*status, 0);
}

}  // namespace
}  // namespace mcpgw::testing
