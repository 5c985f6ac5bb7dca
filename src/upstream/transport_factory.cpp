// make_shared_state / make_transport: the one place that maps a server's config to a transport.
#include "upstream/credentials.h"
#include "upstream/http_pool.h"
#include "upstream/legacy_sse_transport.h"
#include "upstream/stdio_transport.h"
#include "upstream/streamable_http_transport.h"
#include "upstream/transport.h"

namespace mcpgw::upstream {

std::shared_ptr<SharedServerState> make_shared_state(const config::ServerConfig& server,
                                                     asio::io_context& io) {
  return std::make_shared<SharedServerState>(server, io);
}

std::unique_ptr<Transport> make_transport(const config::ServerConfig& server,
                                          std::shared_ptr<SharedServerState> shared,
                                          asio::io_context& io,
                                          std::shared_ptr<Credentials> credentials) {
  if (!shared) shared = make_shared_state(server, io);
  switch (server.transport) {
    case config::TransportKind::Stdio:
      return std::make_unique<StdioTransport>(server, io);
    case config::TransportKind::Http:
      return std::make_unique<StreamableHttpTransport>(
          server, std::move(shared), io, StreamableHttpOptions{}, std::move(credentials));
    case config::TransportKind::Sse:
      return std::make_unique<LegacySseTransport>(server, std::move(shared), io,
                                                  std::move(credentials));
  }
  return std::make_unique<StdioTransport>(server, io);  // unreachable: every kind is handled
}

}  // namespace mcpgw::upstream
