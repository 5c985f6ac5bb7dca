// Tests for the DNS-rebinding protection: Host and Origin must name this gateway.
#include "http/host_check.h"

#include <gtest/gtest.h>

namespace mcpgw::http {
namespace {

std::pair<std::string, std::string> split(std::string_view in) {
  std::string_view host, port;
  split_host_port(in, host, port);
  return {std::string(host), std::string(port)};
}

TEST(SplitHostPort, Forms) {
  EXPECT_EQ(split("example.com"), std::make_pair(std::string("example.com"), std::string()));
  EXPECT_EQ(split("example.com:8080"),
            std::make_pair(std::string("example.com"), std::string("8080")));
  EXPECT_EQ(split("[::1]:9000"), std::make_pair(std::string("::1"), std::string("9000")));
  EXPECT_EQ(split("[::1]"), std::make_pair(std::string("::1"), std::string()));
  EXPECT_EQ(split("::1"), std::make_pair(std::string("::1"), std::string()));  // bare v6: no port
  EXPECT_EQ(split("[::1"), std::make_pair(std::string("::1"), std::string()));
  EXPECT_EQ(split("["), std::make_pair(std::string(), std::string()));
  EXPECT_EQ(split(""), std::make_pair(std::string(), std::string()));
  EXPECT_EQ(split(":80"), std::make_pair(std::string(), std::string("80")));
  EXPECT_EQ(split("[]:80"), std::make_pair(std::string(), std::string("80")));
}

TEST(HostCheck, DefaultAllowsLoopbackNamesOnly) {
  HostCheck c({}, {});
  for (std::string_view h :
       {"127.0.0.1", "127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]:8080", "127.1.2.3"})
    EXPECT_EQ(c.check(h, ""), "") << h;
  for (std::string_view h : {"evil.example.com", "evil.example.com:8080", "localhost.evil.com",
                             "0.0.0.0", "10.0.0.1", "[::2]", ":8080", "[]:80"})
    EXPECT_NE(c.check(h, ""), "") << h;
}

TEST(HostCheck, RebindingNamesThatLookLoopbackAreRefused) {
  // "127.0.0.1.evil.com" starts with "127." but is a DNS name an attacker controls.
  HostCheck c({}, {});
  EXPECT_NE(c.check("127.0.0.1.evil.com", ""), "");
  EXPECT_NE(c.check("127.evil.com:80", ""), "");
  EXPECT_NE(c.check("127.", ""), "");
}

TEST(HostCheck, MissingHost) {
  HostCheck c({}, {});
  EXPECT_EQ(c.check("", ""), "missing Host header");
}

TEST(HostCheck, ConfiguredHostsByNameOrHostPort) {
  HostCheck c({"gw.internal", "api.example.com:443"}, {});
  EXPECT_EQ(c.check("gw.internal", ""), "");
  EXPECT_EQ(c.check("GW.Internal:9999", ""), "");  // a bare name allows any port
  EXPECT_EQ(c.check("api.example.com:443", ""), "");
  EXPECT_NE(c.check("api.example.com:444", ""), "");  // host:port allows that port only
  EXPECT_NE(c.check("api.example.com", ""), "");
  EXPECT_NE(c.check("127.0.0.1", ""), "");  // a configured list replaces the loopback default
  EXPECT_NE(c.check("gw.internal.evil.com", ""), "");
}

TEST(HostCheck, Wildcard) {
  HostCheck c({"*"}, {});
  EXPECT_EQ(c.check("anything.example:1", ""), "");
  EXPECT_NE(c.check("", ""), "");
}

TEST(HostCheck, DefaultOriginsAreLoopbackOverHttp) {
  HostCheck c({}, {});
  for (std::string_view o :
       {"http://localhost:3000", "https://127.0.0.1", "HTTP://[::1]:8080", "http://localhost"})
    EXPECT_EQ(c.check("127.0.0.1:8080", o), "") << o;
  for (std::string_view o : {"http://evil.example.com", "https://evil.example.com:443",
                             "file://localhost", "localhost", "http://", "chrome-extension://abc",
                             "http://127.0.0.1.evil.com", "http://localhost.evil.com"})
    EXPECT_NE(c.check("127.0.0.1:8080", o), "") << o;
}

TEST(HostCheck, OriginNullIsRefused) {
  HostCheck c({}, {});
  EXPECT_EQ(c.check("localhost", "null"), "Origin 'null' is not allowed");
  HostCheck any({}, {"*"});
  EXPECT_EQ(any.check("localhost", "null"), "Origin 'null' is not allowed");
}

TEST(HostCheck, DefaultOriginsIncludeConfiguredHosts) {
  HostCheck c({"gw.internal"}, {});
  EXPECT_EQ(c.check("gw.internal", "https://gw.internal"), "");
  EXPECT_EQ(c.check("gw.internal", "https://gw.internal:8443"), "");
  EXPECT_NE(c.check("gw.internal", "https://evil.example.com"), "");
}

TEST(HostCheck, ConfiguredOriginsMatchExactly) {
  HostCheck c({}, {"https://app.example.com"});
  EXPECT_EQ(c.check("localhost", "https://app.example.com"), "");
  EXPECT_EQ(c.check("localhost", "HTTPS://APP.EXAMPLE.COM"), "");
  EXPECT_NE(c.check("localhost", "http://app.example.com"), "");
  EXPECT_NE(c.check("localhost", "https://app.example.com:444"), "");
  EXPECT_NE(c.check("localhost", "https://app.example.com.evil.com"), "");
  EXPECT_NE(c.check("localhost", "http://localhost"), "");  // the list replaces the default
  HostCheck any({}, {"*"});
  EXPECT_EQ(any.check("localhost", "https://whatever.example"), "");
}

TEST(HostCheck, ReasonsNameTheOffendingHeader) {
  HostCheck c({}, {});
  EXPECT_EQ(c.check("evil.example.com", ""), "Host 'evil.example.com' is not allowed");
  EXPECT_EQ(c.check("localhost", "http://evil.example.com"),
            "Origin 'http://evil.example.com' is not allowed");
}

}  // namespace
}  // namespace mcpgw::http
