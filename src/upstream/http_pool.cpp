#include "upstream/http_pool.h"

#include <openssl/err.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>

namespace mcpgw::upstream {

Connection::Connection(asio::io_context& io, asio::ssl::context* tls) {
  if (tls)
    tls_.emplace(io, *tls);
  else
    plain_.emplace(io);
}

beast::tcp_stream& Connection::tcp() {
  return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
}

bool Connection::looks_alive() {
  auto& socket = tcp().socket();
  if (!socket.is_open()) return false;
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  // 0: the server closed it; >0: bytes nobody asked for (a protocol error); EAGAIN: idle and fine.
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void Connection::cancel() {
  error_code ignored;
  tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  tcp().cancel();
  tcp().socket().close(ignored);
}

ConnectionPool::ConnectionPool(asio::io_context& io, Url origin, asio::ssl::context* tls,
                               size_t max_connections, std::chrono::milliseconds connect_timeout)
    : io_(io),
      origin_(std::move(origin)),
      tls_(tls),
      max_(max_connections),
      connect_timeout_(connect_timeout) {}

asio::awaitable<std::unique_ptr<Connection>> ConnectionPool::connect(error_code& ec) {
  ec = {};
  auto connection = std::make_unique<Connection>(io_, tls_);
  asio::ip::tcp::resolver resolver(io_);
  auto endpoints = co_await resolver.async_resolve(origin_.host, origin_.port, MCPGW_EC(ec));
  if (ec) co_return nullptr;
  auto& tcp = connection->tcp();
  tcp.expires_after(connect_timeout_);
  co_await tcp.async_connect(endpoints, MCPGW_EC(ec));
  if (ec) co_return nullptr;
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  ec = {};
  if (tls_) {
    auto result = co_await connection->visit([&](auto& stream) -> asio::awaitable<error_code> {
      if constexpr (!std::is_same_v<std::decay_t<decltype(stream)>, beast::tcp_stream>) {
        // SNI, then verify the certificate against the system CAs and the host name.
        if (!SSL_set_tlsext_host_name(stream.native_handle(), origin_.host.c_str()))
          co_return error_code(static_cast<int>(::ERR_get_error()),
                               asio::error::get_ssl_category());
        stream.set_verify_mode(asio::ssl::verify_peer);
        stream.set_verify_callback(asio::ssl::host_name_verification(origin_.host));
        error_code hec;
        co_await stream.async_handshake(asio::ssl::stream_base::client, MCPGW_EC(hec));
        co_return hec;
      }
      co_return error_code{};
    });
    if (result) {
      ec = result;
      co_return nullptr;
    }
  }
  tcp.expires_never();
  ++opened_;
  co_return connection;
}

asio::awaitable<std::unique_ptr<Connection>> ConnectionPool::acquire(error_code& ec) {
  ec = {};
  for (;;) {
    while (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      if (connection->looks_alive()) {
        ++in_use_;
        connection->reused = true;
        co_return connection;
      }
    }
    if (in_use_ < max_) break;
    // At the cap: wait for release() to wake us (the timer doubles as a condition variable).
    auto waiter = waiters_.emplace(waiters_.end(), io_);
    error_code wait_ec;
    co_await waiter->timer.async_wait(MCPGW_EC(wait_ec));
    waiters_.erase(waiter);
  }
  ++in_use_;  // reserve the slot while connecting
  auto connection = co_await connect(ec);
  if (!connection) {
    --in_use_;
    wake_one();
  }
  co_return connection;
}

void ConnectionPool::release(std::unique_ptr<Connection> connection, bool reusable) {
  --in_use_;
  if (connection && reusable && connection->tcp().socket().is_open()) {
    connection->tcp().expires_never();
    idle_.push_back(std::move(connection));
  }
  wake_one();
}

void ConnectionPool::wake_one() {
  for (auto& waiter : waiters_) {
    if (!waiter.woken) {
      waiter.woken = true;
      waiter.timer.cancel();
      return;
    }
  }
}

SharedServerState::SharedServerState(const config::ServerConfig& server, asio::io_context& io)
    : server_(server), io_(io) {}

ConnectionPool& SharedServerState::pool_for(const Url& url) {
  auto& pool = pools_[url.origin()];
  if (!pool) {
    asio::ssl::context* tls = nullptr;
    if (url.tls) {
      if (!tls_) {
        tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
        tls_->set_default_verify_paths();
        tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                          asio::ssl::context::no_tlsv1_1);
      }
      tls = tls_.get();
    }
    pool = std::make_unique<ConnectionPool>(io_, url, tls, kMaxConnectionsPerOrigin,
                                            server_.connect_timeout);
  }
  return *pool;
}

}  // namespace mcpgw::upstream
