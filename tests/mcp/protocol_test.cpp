// Tests for the MCP protocol facts and the JSON-RPC message builders: every built message must be
// well-formed JSON that the envelope scanner reads back as the intended kind.
#include "mcp/protocol.h"

#include <gtest/gtest.h>

#include "json/envelope.h"

namespace mcpgw::mcp {
namespace {

json::Envelope read_valid(const std::string& text) {
  auto parsed = json::parse_body(text);
  EXPECT_TRUE(parsed.ok) << text << ": " << parsed.error;
  return json::read_envelope(text);
}

TEST(Versions, SupportedOnesAndOthers) {
  for (auto v : kSupportedVersions) EXPECT_TRUE(is_supported_version(v)) << v;
  EXPECT_TRUE(is_supported_version(kLatestVersion));
  EXPECT_EQ(kSupportedVersions.front(), kLatestVersion);
  for (std::string_view v : {"", "2024-10-07", "2025-11-25 ", "2025-11-2", "2026-07-28", "latest"})
    EXPECT_FALSE(is_supported_version(v)) << v;
}

TEST(Versions, BatchesOnlyIn20250326) {
  EXPECT_TRUE(version_allows_batches("2025-03-26"));
  EXPECT_FALSE(version_allows_batches("2024-11-05"));
  EXPECT_FALSE(version_allows_batches("2025-06-18"));
  EXPECT_FALSE(version_allows_batches("2025-11-25"));
}

TEST(Versions, PrimingEventFrom20251125) {
  EXPECT_TRUE(version_has_priming_event("2025-11-25"));
  EXPECT_FALSE(version_has_priming_event("2025-06-18"));
  EXPECT_FALSE(version_has_priming_event("2024-11-05"));
}

TEST(ErrorResponse, ShapeAndKind) {
  std::string r = error_response("\"a\"", error::kMethodNotFound, "Method not found: x");
  EXPECT_EQ(
      r, R"({"jsonrpc":"2.0","id":"a","error":{"code":-32601,"message":"Method not found: x"}})");
  auto e = read_valid(r);
  EXPECT_EQ(e.kind, json::MessageKind::Response);
  EXPECT_EQ(e.id.in(r), "\"a\"");
}

TEST(ErrorResponse, EmptyIdBecomesNull) {
  std::string r = error_response("", error::kParseError, "Parse error");
  auto e = read_valid(r);
  EXPECT_EQ(e.kind, json::MessageKind::Response);
  EXPECT_EQ(e.id.in(r), "null");
}

TEST(ErrorResponse, HostileMessageIsEscapedAndDataIsAdded) {
  std::string msg = "bad \"tool\"\n\\ \x01 }";
  std::string r = error_response("12", error::kForbidden, msg, R"({"reason":"policy"})");
  auto e = read_valid(r);
  ASSERT_EQ(e.kind, json::MessageKind::Response);
  std::string err(e.error.in(r));
  EXPECT_NE(err.find(R"("data":{"reason":"policy"})"), std::string::npos);
  // The message decodes back to exactly what was given.
  size_t at = err.find("\"message\":") + 10;
  size_t end = json::skip_value(err, at);
  ASSERT_NE(end, std::string_view::npos);
  std::string decoded;
  ASSERT_TRUE(json::decode_string(std::string_view(err).substr(at, end - at), decoded));
  EXPECT_EQ(decoded, msg);
}

TEST(ErrorCodes, AreTheJsonRpcAndGatewayValues) {
  EXPECT_EQ(error::kParseError, -32700);
  EXPECT_EQ(error::kInvalidRequest, -32600);
  EXPECT_EQ(error::kMethodNotFound, -32601);
  EXPECT_EQ(error::kInvalidParams, -32602);
  EXPECT_EQ(error::kInternalError, -32603);
  for (int c : {error::kUpstreamUnavailable, error::kUpstreamTimeout, error::kForbidden,
                error::kResourceNotFound}) {
    EXPECT_LE(c, -32000);
    EXPECT_GE(c, -32099);
  }
}

TEST(ResultResponse, Shape) {
  std::string r = result_response("7", R"({"tools":[]})");
  EXPECT_EQ(r, R"({"jsonrpc":"2.0","id":7,"result":{"tools":[]}})");
  auto e = read_valid(r);
  EXPECT_EQ(e.kind, json::MessageKind::Response);
  EXPECT_EQ(e.result.in(r), R"({"tools":[]})");
}

TEST(Request, WithAndWithoutParams) {
  std::string r = request("\"g-1\"", "tools/call", R"({"name":"echo"})");
  auto e = read_valid(r);
  ASSERT_EQ(e.kind, json::MessageKind::Request);
  EXPECT_EQ(e.method_name(r), "tools/call");
  EXPECT_EQ(e.name.in(r), "\"echo\"");
  std::string p = request("3", "ping", "");
  EXPECT_EQ(p, R"({"jsonrpc":"2.0","id":3,"method":"ping"})");
  EXPECT_EQ(read_valid(p).kind, json::MessageKind::Request);
}

TEST(Request, MethodIsQuoted) {
  std::string r = request("1", "we\"ird", "");
  auto e = read_valid(r);
  EXPECT_EQ(e.kind, json::MessageKind::Request);
  EXPECT_EQ(e.method.in(r), R"("we\"ird")");
}

TEST(Notification, WithAndWithoutParams) {
  std::string n = notification("notifications/initialized", "");
  EXPECT_EQ(n, R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(read_valid(n).kind, json::MessageKind::Notification);
  std::string c = notification("notifications/cancelled", R"({"requestId":4})");
  auto e = read_valid(c);
  EXPECT_EQ(e.kind, json::MessageKind::Notification);
  EXPECT_EQ(e.request_id.in(c), "4");
}

}  // namespace
}  // namespace mcpgw::mcp
