// The stdio transport: the server is a child process speaking newline-delimited JSON-RPC on its
// stdin/stdout; its stderr lines go to the gateway's log, prefixed with the server's name.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <memory>

#include "upstream/transport.h"

namespace mcpgw::upstream {

struct StdioOptions {
  // close(): after stdin is closed the server gets this long to exit, then SIGTERM, then after
  // term_grace SIGKILL.
  std::chrono::milliseconds stdin_close_grace{2000};
  std::chrono::milliseconds term_grace{2000};
  // A stdout line (one message) longer than this is dropped with an error in the log.
  size_t max_message_bytes = 64 * 1024 * 1024;
};

class StdioTransport final : public Transport {
 public:
  StdioTransport(const config::ServerConfig& server, asio::io_context& io,
                 StdioOptions options = {});
  ~StdioTransport() override;  // close(); the child is reaped even if the io_context stops

  void start(Handlers handlers) override;
  void send(std::string message) override;
  void close() override;
  std::string describe() const override;

  // The child's process id once started, else -1.
  pid_t pid() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace mcpgw::upstream
