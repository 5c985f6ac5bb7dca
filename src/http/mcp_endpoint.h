// The Streamable HTTP transport of MCP (spec 2025-11-25, also 2025-06-18 and 2025-03-26) and the
// legacy HTTP+SSE transport (2024-11-05), client side of the gateway: validates each request
// (Host/Origin, media types, session, protocol version), keeps the sessions, and turns POST, GET
// and DELETE into messages for the session routers and streams back to the client.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/exchange.h"
#include "http/host_check.h"
#include "json/envelope.h"
#include "router/session_router.h"

namespace mcpgw::http {

class McpEndpoint {
 public:
  McpEndpoint(router::GatewayContext& ctx, std::string path);
  ~McpEndpoint();

  // Handles a request for the MCP path (or the legacy /sse and /messages paths).
  Reply handle(Request& req);
  // The checks that come before authentication (Host and Origin); a reply when they fail.
  std::optional<Reply> precheck(const Request& req) const;
  bool owns_path(std::string_view path) const;

  // Ends idle sessions and fails requests past their deadline; called every second.
  void tick();
  size_t session_count() const { return sessions_.size(); }
  void close_all();

 private:
  Reply post(Request& req);
  Reply get(Request& req);
  Reply del(Request& req);
  Reply legacy_open(Request& req);
  Reply legacy_post(Request& req);
  // Finds the session the request names, or fills `error` with the reply to give.
  std::shared_ptr<router::SessionRouter> session_for(Request& req, Reply& error);
  std::shared_ptr<router::SessionRouter> create_session(const Request& req);
  // 403 insufficient_scope (with its WWW-Authenticate header) when a request in the body needs
  // scopes the caller's token lacks.
  std::optional<Reply> check_scopes(const Request& req, const std::vector<json::Envelope>& envs,
                                    const std::vector<std::string_view>& texts);
  static std::string new_session_id();

  router::GatewayContext& ctx_;
  std::string path_;
  HostCheck host_check_;
  std::unordered_map<std::string, std::shared_ptr<router::SessionRouter>> sessions_;
  std::unordered_map<std::string, bool> legacy_;  // legacy HTTP+SSE sessions
};

}  // namespace mcpgw::http
