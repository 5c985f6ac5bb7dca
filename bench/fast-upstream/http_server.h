// The HTTP side of fast-upstream: a Beast coroutine per keep-alive connection, on one or more
// threads sharing one io_context.
#pragma once
#include <cstdint>
#include <string>

#include "responder.h"

namespace mcpgw::bench {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port, printed at start
  std::string path = "/mcp";
  int threads = 1;
};

// Listens, prints "listening on http://HOST:PORT/PATH" to stdout, serves until SIGINT/SIGTERM.
// Returns the process exit code.
int run_server(const ServerOptions& options, const Responder& responder);

}  // namespace mcpgw::bench
