// Keep-alive HTTP(S) connections to one upstream origin, shared by every session of a server.
// Idle connections are reused (newest first), new ones are opened on demand up to a cap, broken
// ones are dropped. Long-lived SSE streams take dedicated connections outside the pool.
#pragma once
#include "net/asio.h"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "ops/config.h"
#include "upstream/url.h"

namespace mcpgw::upstream {

namespace beast = boost::beast;

// One TCP (or TLS over TCP) connection, with the bytes read past the last response.
class Connection {
 public:
  Connection(asio::io_context& io, asio::ssl::context* tls);
  beast::tcp_stream& tcp();
  // Calls f(stream) with the stream to read and write: the TLS stream or the TCP one.
  template <class F>
  decltype(auto) visit(F&& f) {
    if (tls_) return f(*tls_);
    return f(*plain_);
  }
  // Non-blocking check that an idle connection was not closed by the server meanwhile.
  bool looks_alive();
  // Aborts any operation in progress (used to cancel streams on close()).
  void cancel();

  beast::flat_buffer buffer;
  std::vector<char> body_chunk;  // where response body pieces land; kept for the next request
  bool reused = false;  // carried an earlier request: a failure before any reply may be retried

 private:
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

class ConnectionPool {
 public:
  ConnectionPool(asio::io_context& io, Url origin, asio::ssl::context* tls, size_t max_connections,
                 std::chrono::milliseconds connect_timeout);

  // An idle connection when there is one, else a new one; waits while `max_connections` are in
  // use. On failure returns null and sets ec (connect timeout: beast::error::timeout).
  asio::awaitable<std::unique_ptr<Connection>> acquire(error_code& ec);
  // A new connection that never joins the pool (for SSE streams).
  asio::awaitable<std::unique_ptr<Connection>> connect(error_code& ec);
  // Returns a connection taken with acquire(); `reusable` when its last response was read whole
  // and the server keeps it alive.
  void release(std::unique_ptr<Connection> connection, bool reusable);

  const Url& origin() const { return origin_; }
  size_t idle() const { return idle_.size(); }
  size_t in_use() const { return in_use_; }
  size_t opened() const { return opened_; }  // connections ever opened (for tests and metrics)

 private:
  asio::io_context& io_;
  Url origin_;
  asio::ssl::context* tls_;
  size_t max_;
  std::chrono::milliseconds connect_timeout_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t in_use_ = 0;
  size_t opened_ = 0;
  // acquire() calls waiting for a free slot; each erases its own entry once woken.
  struct Waiter {
    explicit Waiter(asio::io_context& io) : timer(io, asio::steady_timer::time_point::max()) {}
    asio::steady_timer timer;  // cancelled to wake it: a timer used as a condition variable
    bool woken = false;
  };
  std::list<Waiter> waiters_;
  void wake_one();
};

// Per-server state shared by all of its transports: connection pools (one per origin, as a
// legacy SSE endpoint may name another origin) and the TLS context.
class SharedServerState {
 public:
  static constexpr size_t kMaxConnectionsPerOrigin = 256;

  SharedServerState(const config::ServerConfig& server, asio::io_context& io);
  ConnectionPool& pool_for(const Url& url);
  const config::ServerConfig& server() const { return server_; }

 private:
  config::ServerConfig server_;
  asio::io_context& io_;
  std::unique_ptr<asio::ssl::context> tls_;  // made on first https use
  std::map<std::string, std::unique_ptr<ConnectionPool>> pools_;
};

}  // namespace mcpgw::upstream
