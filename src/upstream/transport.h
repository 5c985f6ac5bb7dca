// A byte pipe to one session of one upstream MCP server: stdio, Streamable HTTP or legacy SSE.
// It moves whole JSON-RPC messages and knows nothing of their meaning beyond what its transport
// requires (the HTTP transport captures Mcp-Session-Id and opens the GET stream).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "net/asio.h"
#include "ops/config.h"

namespace mcpgw::upstream {

class Transport {
 public:
  struct Handlers {
    // One JSON-RPC message (or a batch array) from the server. `in_reply_to` is the JSON text of
    // the id of the gateway's request whose HTTP response stream carried this message (HTTP
    // transport, POST-response SSE streams), or empty (stdio, GET stream, legacy SSE).
    std::function<void(std::string message, std::string_view in_reply_to)> on_message;
    // The transport is dead (process exited, connection refused, session gone). Called once.
    // The owner fails every pending request and may build a new transport later (restart).
    std::function<void(std::string reason)> on_closed;
  };

  virtual ~Transport() = default;
  // Spawns or connects. Failures are reported through on_closed, never thrown.
  virtual void start(Handlers handlers) = 0;
  // Queues one JSON-RPC message (request, response or notification) to the server.
  // If delivery fails (e.g. HTTP error status for a request), the transport synthesises a
  // JSON-RPC error response for that request id through on_message, so no request hangs.
  virtual void send(std::string message) = 0;
  // Called after the MCP initialize handshake completes, with the negotiated protocol version.
  // The HTTP transport sends MCP-Protocol-Version from then on and opens its GET stream at once.
  virtual void on_initialized(std::string protocol_version) {}
  // Ends the session (HTTP: DELETE; stdio: close stdin, then SIGTERM, then SIGKILL). Idempotent.
  // on_closed is not called after close().
  virtual void close() = 0;
  // Human-readable description for logs, e.g. "stdio pid 1234" or "http http://host/mcp".
  virtual std::string describe() const = 0;
};

// Builds the transport the server's config names. Transports for one server may share state
// (the HTTP transport's keep-alive connection pool) through `shared`, created once per server.
// `credentials` (credentials.h), when set, gives the Authorization header of every HTTP request
// (http and sse transports; stdio has no use for it).
class SharedServerState;
class Credentials;
std::shared_ptr<SharedServerState> make_shared_state(const config::ServerConfig& server,
                                                     asio::io_context& io);
std::unique_ptr<Transport> make_transport(const config::ServerConfig& server,
                                          std::shared_ptr<SharedServerState> shared,
                                          asio::io_context& io,
                                          std::shared_ptr<Credentials> credentials = nullptr);

}  // namespace mcpgw::upstream
