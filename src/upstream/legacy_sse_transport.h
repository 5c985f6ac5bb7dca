// The legacy HTTP+SSE transport (MCP 2024-11-05): a GET opens an SSE stream whose first
// `endpoint` event names the URL to POST messages to; responses and server messages arrive as
// `message` events on that stream. The session lives as long as the stream.
#pragma once
#include <memory>

#include "upstream/transport.h"

namespace mcpgw::upstream {

class LegacySseTransport final : public Transport {
 public:
  LegacySseTransport(const config::ServerConfig& server, std::shared_ptr<SharedServerState> shared,
                     asio::io_context& io, std::shared_ptr<Credentials> credentials = nullptr);
  ~LegacySseTransport() override;  // close()

  void start(Handlers handlers) override;
  // Messages sent before the `endpoint` event are queued and sent once it arrives.
  void send(std::string message) override;
  void close() override;
  std::string describe() const override;

  // The POST endpoint once the server announced it, else empty.
  std::string endpoint() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace mcpgw::upstream
