#include <gtest/gtest.h>

#include "upstream/transport.h"

namespace mcpgw::upstream {
namespace {

TEST(TransportFactory, BuildsTheTransportTheConfigNames) {
  asio::io_context io;
  config::ServerConfig s;
  s.name = "x";
  s.command = {"true"};
  s.url = "http://127.0.0.1:1/mcp";
  auto shared = make_shared_state(s, io);
  ASSERT_NE(shared, nullptr);
  s.transport = config::TransportKind::Stdio;
  EXPECT_EQ(make_transport(s, shared, io)->describe().rfind("stdio", 0), 0u);
  s.transport = config::TransportKind::Http;
  EXPECT_EQ(make_transport(s, shared, io)->describe(), "http http://127.0.0.1:1/mcp");
  s.transport = config::TransportKind::Sse;
  EXPECT_EQ(make_transport(s, nullptr, io)->describe(), "sse http://127.0.0.1:1/mcp");
}

}  // namespace
}  // namespace mcpgw::upstream
