#include "upstream/jsonrpc_envelope.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace mcpgw::upstream {
namespace {
using V = std::vector<std::string>;

TEST(JsonRpcEnvelope, RequestIdsOfRequestsOnly) {
  EXPECT_EQ(request_ids(R"({"jsonrpc":"2.0","id":7,"method":"tools/list"})"), V{"7"});
  EXPECT_EQ(request_ids(R"({"method":"x","params":{"id":99,"s":"}\"{"},"id" : "a\u0062"})"),
            V{"\"ab\""});
  EXPECT_EQ(request_ids(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"), V{});
  EXPECT_EQ(request_ids(R"({"jsonrpc":"2.0","id":1,"result":{}})"), V{});
  EXPECT_EQ(request_ids(R"([{"id":1,"method":"a"},{"method":"n"},{"id":"b","method":"c"}])"),
            (V{"1", "\"b\""}));
}

TEST(JsonRpcEnvelope, ResponseIds) {
  EXPECT_EQ(response_ids(R"({"jsonrpc":"2.0","id":3,"result":{"content":[{"id":5}]}})"), V{"3"});
  EXPECT_EQ(response_ids(R"({"jsonrpc":"2.0","id":"q","error":{"code":1,"message":"m"}})"),
            V{"\"q\""});
  EXPECT_EQ(response_ids(R"({"jsonrpc":"2.0","id":3,"method":"ping"})"), V{});
  EXPECT_EQ(response_ids(R"([{"id":1,"result":1},{"id":2,"error":{}}])"), (V{"1", "2"}));
}

TEST(JsonRpcEnvelope, MalformedTextHasNoIds) {
  for (const char* bad : {"", "garbage", "{", "{\"id\":1,\"method\":", "{\"id\" 1}", "[", "[1,2]",
                          "{\"id\":1,\"method\":\"x\"", "{\"id\":null,\"method\":\"x\"}"}) {
    EXPECT_EQ(request_ids(bad), V{}) << bad;
    EXPECT_EQ(response_ids(bad), V{}) << bad;
  }
}

TEST(JsonRpcEnvelope, ErrorResponseIsValidJsonRpc) {
  auto j = nlohmann::json::parse(error_response("\"abc\"", kInternalError, "upstream down"));
  EXPECT_EQ(j["jsonrpc"], "2.0");
  EXPECT_EQ(j["id"], "abc");
  EXPECT_EQ(j["error"]["code"], -32603);
  EXPECT_EQ(j["error"]["message"], "upstream down");
  EXPECT_EQ(nlohmann::json::parse(error_response("12", 1, "x"))["id"], 12);
  // Invalid UTF-8 in a cause is replaced, not thrown.
  EXPECT_NO_THROW(nlohmann::json::parse(error_response("1", 1, "bad \xff byte")));
}

}  // namespace
}  // namespace mcpgw::upstream
