// Each tool of the sample server, through the real binary: answers and isError results.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "sample_server_fixture.h"

namespace mcpgw::testing {
namespace {

class ToolsTest : public SampleServerTest {
 protected:
  void SetUp() override {
    SampleServerTest::SetUp();
    start();
    initialize();
  }

  // A call that must fail as a tool error; returns its message.
  std::string tool_error(const std::string& name, const json& arguments) {
    json result = call_tool(name, arguments);
    EXPECT_EQ(result.value("isError", false), true) << result.dump();
    return result.is_null() ? "" : text_of(result);
  }

  std::string ok_text(const std::string& name, const json& arguments) {
    json result = call_tool(name, arguments);
    EXPECT_EQ(result.value("isError", true), false) << result.dump();
    return result.is_null() ? "" : text_of(result);
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(ToolsTest, TimeNowInUtcAndInAZone) {
  json utc = call_tool("time_now", json::object());
  std::string iso = utc.at("structuredContent").at("iso8601");
  EXPECT_TRUE(std::regex_match(iso, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << iso;
  int64_t unix_ms = utc.at("structuredContent").at("unix_ms");
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_LT(std::llabs(now_ms - unix_ms), 60000);

  // Asia/Tokyo has had no daylight saving time since 1951: always +09:00.
  json tokyo = call_tool("time_now", {{"timezone", "Asia/Tokyo"}});
  EXPECT_EQ(tokyo.at("structuredContent").at("utc_offset"), "+09:00");
  EXPECT_TRUE(contains(tokyo.at("structuredContent").at("iso8601"), "+09:00"));
  // India is +05:30: minutes in the offset.
  json kolkata = call_tool("time_now", {{"timezone", "Asia/Kolkata"}});
  EXPECT_EQ(kolkata.at("structuredContent").at("utc_offset"), "+05:30");
}

TEST_F(ToolsTest, TimeNowRefusesUnknownOrPathLikeZones) {
  EXPECT_TRUE(
      contains(tool_error("time_now", {{"timezone", "Mars/Olympus"}}), "unknown time zone"));
  EXPECT_TRUE(contains(tool_error("time_now", {{"timezone", "../../etc/passwd"}}), "unknown"));
  EXPECT_TRUE(contains(tool_error("time_now", {{"timezone", "/etc/localtime"}}), "unknown"));
  EXPECT_TRUE(contains(tool_error("time_now", {{"timezone", "zone.tab"}}), "unknown"));
  EXPECT_TRUE(contains(tool_error("time_now", {{"timezone", 5}}), "must be a string"));
  EXPECT_TRUE(contains(tool_error("time_now", {{"tz", "UTC"}}), "unknown argument 'tz'"));
}

TEST_F(ToolsTest, HashKnownVectors) {
  EXPECT_EQ(ok_text("hash", {{"text", "abc"}}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ok_text("hash", {{"text", "abc"}, {"algorithm", "sha1"}}),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(ok_text("hash", {{"text", ""}, {"algorithm", "md5"}}),
            "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(ok_text("hash", {{"text", "abc"}, {"algorithm", "sha512"}}).substr(0, 16),
            "ddaf35a193617aba");
  EXPECT_EQ(ok_text("hash", {{"text", "abc"}, {"encoding", "base64"}}),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

TEST_F(ToolsTest, HashArgumentErrors) {
  EXPECT_TRUE(contains(tool_error("hash", json::object()), "missing required argument 'text'"));
  EXPECT_TRUE(contains(tool_error("hash", {{"text", "a"}, {"algorithm", "crc32"}}),
                       "must be one of sha256, sha512, sha1, md5"));
  EXPECT_TRUE(contains(tool_error("hash", {{"text", "a"}, {"encoding", "octal"}}), "encoding"));
}

TEST_F(ToolsTest, Base64RoundTripAndErrors) {
  EXPECT_EQ(ok_text("base64", {{"operation", "encode"}, {"text", "hello"}}), "aGVsbG8=");
  EXPECT_EQ(ok_text("base64", {{"operation", "decode"}, {"text", "aGVsbG8="}}), "hello");
  // U+00FF U+00FE '?' in UTF-8: the URL-safe alphabet shows '_', and there is no padding.
  EXPECT_EQ(ok_text("base64",
                    {{"operation", "encode"}, {"text", "\xc3\xbf\xc3\xbe?"}, {"url_safe", true}}),
            "w7_Dvj8");
  EXPECT_TRUE(
      contains(tool_error("base64", {{"operation", "decode"}, {"text", "aGV$bG8="}}), "offset 3"));
  EXPECT_TRUE(
      contains(tool_error("base64", {{"operation", "decode"}, {"text", "/w=="}}), "not UTF-8"));
  EXPECT_TRUE(contains(tool_error("base64", {{"operation", "rot13"}, {"text", "a"}}),
                       "must be one of encode, decode"));
}

TEST_F(ToolsTest, UuidVersionsAndCount) {
  std::regex v4(R"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})");
  std::regex v7(R"([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})");
  EXPECT_TRUE(std::regex_match(ok_text("uuid", json::object()), v4));
  json result = call_tool("uuid", {{"version", 7}, {"count", 5}});
  std::set<std::string> distinct;
  for (const json& id : result.at("structuredContent").at("uuids")) {
    EXPECT_TRUE(std::regex_match(id.get<std::string>(), v7)) << id;
    distinct.insert(id);
  }
  EXPECT_EQ(distinct.size(), 5u);
  // v7 starts with the Unix time in milliseconds
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::string first = *distinct.begin();
  int64_t stamp = std::stoll(first.substr(0, 8) + first.substr(9, 4), nullptr, 16);
  EXPECT_LT(std::llabs(now_ms - stamp), 60000);
  EXPECT_TRUE(contains(tool_error("uuid", {{"version", 5}}), "must be 4 or 7"));
  EXPECT_TRUE(contains(tool_error("uuid", {{"count", 101}}), "between 1 and 100"));
  EXPECT_TRUE(contains(tool_error("uuid", {{"count", "3"}}), "must be an integer"));
}

TEST_F(ToolsTest, JsonQueryPointerAndPrettyPrint) {
  std::string doc = R"({"items":[{"name":"a/b","tags":["x"]},{"name":"c"}],"n":1})";
  EXPECT_EQ(ok_text("json_query", {{"json", doc}, {"pointer", "/items/1/name"}}), "\"c\"");
  EXPECT_EQ(ok_text("json_query", {{"json", doc}, {"pointer", "/items/0"}, {"indent", 0}}),
            R"({"name":"a/b","tags":["x"]})");
  EXPECT_EQ(ok_text("json_query", {{"json", R"({"a":1})"}}), "{\n  \"a\": 1\n}");
  EXPECT_TRUE(contains(tool_error("json_query", {{"json", "{\"a\":"}}), "not valid JSON"));
  EXPECT_TRUE(contains(tool_error("json_query", {{"json", doc}, {"pointer", "/items/7"}}),
                       "nothing at JSON Pointer"));
  EXPECT_TRUE(contains(tool_error("json_query", {{"json", doc}, {"pointer", "items"}}),
                       "invalid JSON Pointer"));
  EXPECT_TRUE(contains(
      tool_error("json_query", {{"json", std::string(1000, '[') + std::string(1000, ']')}}),
      "deeper than"));
}

TEST_F(ToolsTest, CalcAnswersAndRefuses) {
  EXPECT_EQ(ok_text("calc", {{"expression", "2 + 3 * 4"}}), "14");
  EXPECT_EQ(ok_text("calc", {{"expression", "2 * (3 + 4) ^ 2 / sqrt(16)"}}), "24.5");
  json result = call_tool("calc", {{"expression", "0.1 + 0.2"}});
  EXPECT_EQ(text_of(result), "0.30000000000000004");
  EXPECT_DOUBLE_EQ(result.at("structuredContent").at("result").get<double>(), 0.1 + 0.2);
  EXPECT_TRUE(contains(tool_error("calc", {{"expression", "1/0"}}), "division by zero"));
  EXPECT_TRUE(contains(tool_error("calc", {{"expression", "system(1)"}}), "unknown function"));
  EXPECT_TRUE(contains(tool_error("calc", {{"expression", ""}}), "empty"));
}

TEST_F(ToolsTest, ReadTextFileInsideTheRootOnly) {
  EXPECT_EQ(ok_text("read_text_file", {{"path", "hello.txt"}}), "hello, world\n");
  EXPECT_EQ(ok_text("read_text_file", {{"path", "docs/notes.md"}}), "# Notes\nsecond line\n");
  EXPECT_EQ(ok_text("read_text_file", {{"path", "./docs//notes.md"}}), "# Notes\nsecond line\n");
  EXPECT_TRUE(contains(tool_error("read_text_file", {{"path", "../hello.txt"}}), "'..'"));
  EXPECT_TRUE(contains(tool_error("read_text_file", {{"path", "docs/../../x"}}), "'..'"));
  EXPECT_TRUE(contains(tool_error("read_text_file", {{"path", "/etc/passwd"}}), "relative"));
  EXPECT_TRUE(contains(tool_error("read_text_file", {{"path", "escape"}}), "outside the root"));
  EXPECT_TRUE(contains(tool_error("read_text_file", {{"path", "big.txt"}}), "the limit is 1000"));
  EXPECT_TRUE(contains(tool_error("read_text_file", {{"path", "binary.dat"}}), "not a UTF-8 text"));
  EXPECT_TRUE(contains(tool_error("read_text_file", {{"path", "missing.txt"}}), "no such file"));
  EXPECT_TRUE(contains(tool_error("read_text_file", {{"path", "docs"}}), "not a regular file"));
  EXPECT_TRUE(contains(tool_error("read_text_file", {{"path", ""}}), "empty"));
}

}  // namespace
}  // namespace mcpgw::testing
