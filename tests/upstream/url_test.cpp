#include "upstream/url.h"

#include <gtest/gtest.h>

namespace mcpgw::upstream {
namespace {

TEST(Url, ParsesSchemesHostsPortsAndTargets) {
  Url u = parse_url("http://127.0.0.1:3001/mcp?x=1#frag");
  EXPECT_FALSE(u.tls);
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, "3001");
  EXPECT_EQ(u.target, "/mcp?x=1");
  EXPECT_EQ(u.host_header(), "127.0.0.1:3001");
  Url s = parse_url("HTTPS://Example.com");
  EXPECT_TRUE(s.tls);
  EXPECT_EQ(s.port, "443");
  EXPECT_EQ(s.target, "/");
  EXPECT_EQ(s.host_header(), "Example.com");
  Url v6 = parse_url("http://[::1]:8080/sse");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.host_header(), "[::1]:8080");
  EXPECT_EQ(parse_url("http://h?q=1").target, "/?q=1");
}

TEST(Url, RejectsBadUrlsWithAClearMessage) {
  auto message = [](const char* text) {
    try {
      parse_url(text);
    } catch (const UrlError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_NE(message("127.0.0.1:80/mcp").find("no scheme"), std::string::npos);
  EXPECT_NE(message("ftp://h/x").find("scheme 'ftp'"), std::string::npos);
  EXPECT_NE(message("http:///x").find("no host"), std::string::npos);
  EXPECT_NE(message("http://h:99999/").find("invalid port"), std::string::npos);
  EXPECT_NE(message("http://h:0/").find("invalid port"), std::string::npos);
  EXPECT_NE(message("http://h:8a/").find("invalid port"), std::string::npos);
  EXPECT_NE(message("http://u:p@h/").find("credentials"), std::string::npos);
  EXPECT_NE(message("http://[::1/").find("IPv6"), std::string::npos);
}

TEST(Url, ResolvesLegacyEndpointReferences) {
  Url base = parse_url("http://127.0.0.1:3001/api/sse?token=t");
  EXPECT_EQ(resolve_url(base, "/message?sessionId=abc").str(),
            "http://127.0.0.1:3001/message?sessionId=abc");
  EXPECT_EQ(resolve_url(base, "message?sessionId=abc").str(),
            "http://127.0.0.1:3001/api/message?sessionId=abc");
  EXPECT_EQ(resolve_url(base, "?sessionId=abc").str(),
            "http://127.0.0.1:3001/api/sse?sessionId=abc");
  EXPECT_EQ(resolve_url(base, "http://other:9/m").str(), "http://other:9/m");
  EXPECT_EQ(resolve_url(base, "//other:9/m").str(), "http://other:9/m");
}

}  // namespace
}  // namespace mcpgw::upstream
