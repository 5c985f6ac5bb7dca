// The Streamable HTTP transport (MCP 2025-11-25), client side: every message is a POST whose
// response is 202, a JSON body or an SSE stream delivered event by event; a GET stream carries
// server-initiated messages; DELETE ends the session. Connections come from the server's pool.
#pragma once
#include <chrono>
#include <memory>

#include "upstream/transport.h"

namespace mcpgw::upstream {

struct StreamableHttpOptions {
  // After on_initialized, messages are held until the GET stream is open (or refused), so that
  // requests the server sends right after `notifications/initialized` are not lost; at most this
  // long.
  std::chrono::milliseconds get_stream_gate{5000};
  // A JSON (non-SSE) response body larger than this fails the request.
  size_t max_json_body_bytes = 128 * 1024 * 1024;
};

class StreamableHttpTransport final : public Transport {
 public:
  StreamableHttpTransport(const config::ServerConfig& server,
                          std::shared_ptr<SharedServerState> shared, asio::io_context& io,
                          StreamableHttpOptions options = {},
                          std::shared_ptr<Credentials> credentials = nullptr);
  ~StreamableHttpTransport() override;  // close()

  void start(Handlers handlers) override;
  void send(std::string message) override;
  void on_initialized(std::string protocol_version) override;
  void close() override;
  std::string describe() const override;

  // The upstream's Mcp-Session-Id, once the initialize response carried one.
  std::string session_id() const;
  // True while the GET stream is connected and streaming.
  bool get_stream_open() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace mcpgw::upstream
