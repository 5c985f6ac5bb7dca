#include "auth/http_fetch.h"

#include <gtest/gtest.h>

#include "loopback_http_server.h"

namespace mcpgw::auth {
namespace {

TEST(ParseUrl, SplitsSchemeHostPortAndTarget) {
  auto u = parse_url("https://idp.example.com/realms/x?y=1");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "idp.example.com");
  EXPECT_EQ(u.port, "443");
  EXPECT_EQ(u.target, "/realms/x?y=1");
  u = parse_url("http://127.0.0.1:8080");
  EXPECT_FALSE(u.tls);
  EXPECT_EQ(u.port, "8080");
  EXPECT_EQ(u.target, "/");
  u = parse_url("http://[::1]:9000/jwks");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "9000");
  EXPECT_THROW(parse_url("ftp://x/"), std::invalid_argument);
  EXPECT_THROW(parse_url("http://user@host/"), std::invalid_argument);
  EXPECT_THROW(parse_url("http:///path"), std::invalid_argument);
}

TEST(HttpFetch, SendsHostWithPortAndReadsBody) {
  std::string seen_host;
  testing::LoopbackHttpServer server([&](const testing::TestRequest& r) {
    seen_host = r.host;
    return testing::TestResponse{201, "hello"};
  });
  auto res = http_fetch({.url = server.base_url() + "/x"});
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "hello");
  EXPECT_EQ(seen_host, "127.0.0.1:" + std::to_string(server.port()));
}

TEST(HttpFetch, ReportsRefusedConnectionAndOversizedBody) {
  testing::LoopbackHttpServer server([](const testing::TestRequest&) {
    return testing::TestResponse{200, std::string(5000, 'x')};
  });
  auto big = http_fetch({.url = server.base_url() + "/", .max_body = 1000});
  EXPECT_EQ(big.status, 0);
  EXPECT_EQ(big.error.rfind("read: ", 0), 0u) << big.error;
  std::string url = server.base_url();
  server.stop();
  auto refused = http_fetch({.url = url + "/"});
  EXPECT_EQ(refused.status, 0);
  EXPECT_NE(refused.error.find("Connection refused"), std::string::npos) << refused.error;
}

}  // namespace
}  // namespace mcpgw::auth
