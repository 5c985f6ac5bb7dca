// The HTTP/1.1 listener: accepts connections (plain or TLS), reads requests with size and idle
// limits, hands them to the handler, and writes replies: plain bodies, JSON answers that arrive
// later, and Server-Sent Event streams.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/exchange.h"
#include "net/asio.h"
#include "ops/config.h"

namespace mcpgw::http {

// A request the server refused on its own, before any handler saw it: 431 (headers larger than
// limits.max_header), 413 (body larger than limits.max_body) or 400 (not parseable HTTP).
// The views point into the connection's buffers and are valid during the hook only.
struct Refusal {
  int status = 0;
  std::string reason;  // e.g. "request headers larger than 16384 bytes"
  std::string client_addr;
  std::string_view method, target;  // empty when the request line was not read whole
  std::string_view user_agent;      // empty unless the User-Agent field was read whole
  // Size of the Authorization field's value as far as it was read (a lower bound when the
  // headers were cut off at the limit); 0 when none was seen.
  std::size_t authorization_bytes = 0;
};
// Called for each Refusal before its reply is written; may add headers to the reply.
using RefusalHook = std::function<void(const Refusal&, Reply&)>;

class Server {
 public:
  Server(asio::io_context& io, const config::ListenConfig& listen,
         const config::LimitsConfig& limits, Handler handler);
  ~Server();
  // Binds and starts accepting. Throws std::runtime_error naming the address when it cannot bind.
  void start();
  // Tells `hook` about every request the server refuses by itself (set before start()).
  void on_refused(RefusalHook hook);
  void stop();
  // The bound port (useful with port 0).
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcpgw::http
