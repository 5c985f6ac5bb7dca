// fast-upstream: a Streamable HTTP MCP server that answers initialize, ping, tools/list and
// tools/call (echo) at once with application/json, so that a load run measures the gateway.
#include <CLI/CLI.hpp>

#include "http_server.h"

int main(int argc, char** argv) {
  CLI::App app{"Fast Streamable HTTP MCP upstream for benchmarks (tool: echo)"};
  mcpgw::bench::ServerOptions options;
  app.add_option("--host", options.host, "Address to bind (loopback by default)");
  app.add_option("--port", options.port, "Port to listen on; 0 picks a free one (printed)");
  app.add_option("--path", options.path, "The MCP endpoint path");
  app.add_option("--threads", options.threads, "Threads serving connections")
      ->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);
  mcpgw::bench::Responder responder;
  return mcpgw::bench::run_server(options, responder);
}
