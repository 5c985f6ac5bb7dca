#include "gateway/gateway.h"

#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>

#include "http/mcp_endpoint.h"
#include "http/server.h"
#include "router/session_router.h"
#include "upstream/transport.h"

namespace mcpgw {

struct Gateway::Impl {
  config::Config config;
  asio::io_context io{1};
  router::GatewayContext ctx{io, config, {}};
  std::vector<std::unique_ptr<http::Server>> servers;
  std::vector<std::unique_ptr<http::McpEndpoint>> endpoints;
  asio::steady_timer ticker{io};
  asio::signal_set signals{io, SIGINT, SIGTERM};

  explicit Impl(config::Config c) : config(std::move(c)) {}

  void tick() {
    ticker.expires_after(std::chrono::seconds(1));
    ticker.async_wait([this](error_code ec) {
      if (ec) return;
      for (auto& e : endpoints) e->tick();
      tick();
    });
  }

  http::Reply handle(http::McpEndpoint& mcp, http::Request& req) {
    std::string_view path = req.path();
    if (mcp.owns_path(path)) return mcp.handle(req);
    if (path == "/healthz" || path == "/livez")
      return http::Reply::json(200, R"({"status":"ok"})");
    if (path == "/readyz")
      return http::Reply::json(200, R"({"status":"ready","sessions":)" +
                                        std::to_string(mcp.session_count()) + "}");
    return http::Reply::json(404, R"({"error":"not found"})");
  }
};

Gateway::Gateway(config::Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Gateway::~Gateway() = default;

int Gateway::run() {
  auto& d = *impl_;
  for (auto& server : d.config.servers)
    d.ctx.shared[server.name] = upstream::make_shared_state(server, d.io);
  for (auto& listen : d.config.listeners) {
    auto endpoint = std::make_unique<http::McpEndpoint>(d.ctx, listen.path);
    auto* mcp = endpoint.get();
    auto server = std::make_unique<http::Server>(
        d.io, listen, d.config.limits,
        [&d, mcp](http::Request& req, std::function<void(http::Reply)> done) {
          done(d.handle(*mcp, req));
        });
    server->start();
    std::string scheme = listen.tls_cert.empty() ? "http" : "https";
    std::string host = listen.host.find(':') != std::string::npos ? "[" + listen.host + "]" : listen.host;
    spdlog::info("mcp-gateway listening on {}://{}:{}{}", scheme, host, server->port(), listen.path);
    d.endpoints.push_back(std::move(endpoint));
    d.servers.push_back(std::move(server));
  }
  d.tick();
  d.signals.async_wait([&d](error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    for (auto& s : d.servers) s->stop();
    for (auto& e : d.endpoints) e->close_all();
    d.ticker.cancel();
    // Give upstream transports a moment to close (DELETE, SIGTERM) before stopping the loop.
    auto t = std::make_shared<asio::steady_timer>(d.io, std::chrono::milliseconds(300));
    t->async_wait([&d, t](error_code) { d.io.stop(); });
  });
  d.io.run();
  return 0;
}

}  // namespace mcpgw
