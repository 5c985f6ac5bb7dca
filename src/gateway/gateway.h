// The assembled gateway: listeners, the MCP endpoint and its sessions, upstream server state,
// health endpoints, signals. One io_context thread runs it all.
#pragma once
#include <memory>

#include "ops/config.h"

namespace mcpgw {

class Gateway {
 public:
  explicit Gateway(config::Config config);
  ~Gateway();
  // What `check-config` runs: every module reads and validates its section of `config` as the
  // constructor would (auth, auth.upstreams, audit), without starting anything. Throws
  // config::ConfigError naming the key and its line.
  static void check(const config::Config& config);
  // Binds every listener (throws std::runtime_error if one cannot bind), then serves until
  // SIGINT or SIGTERM. Returns the process exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcpgw
