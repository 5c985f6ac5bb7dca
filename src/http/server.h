// The HTTP/1.1 listener: accepts connections (plain or TLS), reads requests with size and idle
// limits, hands them to the handler, and writes replies: plain bodies, JSON answers that arrive
// later, and Server-Sent Event streams.
#pragma once
#include <memory>
#include <string>

#include "http/exchange.h"
#include "net/asio.h"
#include "ops/config.h"

namespace mcpgw::http {

class Server {
 public:
  Server(asio::io_context& io, const config::ListenConfig& listen,
         const config::LimitsConfig& limits, Handler handler);
  ~Server();
  // Binds and starts accepting. Throws std::runtime_error naming the address when it cannot bind.
  void start();
  void stop();
  // The bound port (useful with port 0).
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcpgw::http
