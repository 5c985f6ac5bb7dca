#include "loopback_http_server.h"

#include "net/asio.h"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <vector>

namespace mcpgw::auth::testing {
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct LoopbackHttpServer::Impl {
  explicit Impl(int threads) : io(threads), thread_count(threads) {}
  asio::io_context io;
  int thread_count;
  tcp::acceptor acceptor{io};
  Handler handler;
  std::optional<asio::ssl::context> tls;
  mutable std::mutex mutex;
  std::map<std::string, int> hits;
  std::atomic<int> failed_handshakes{0};
  std::vector<std::thread> threads;
  std::atomic<bool> stopped{false};

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      error_code ec;
      co_await http::async_read(stream, buffer, req, MCPGW_EC(ec));
      if (ec) co_return;
      TestRequest tr{std::string(req.method_string()), std::string(req.target()), req.body(),
                     std::string(req[http::field::authorization]),
                     std::string(req[http::field::host])};
      {
        std::lock_guard lock(mutex);
        hits[tr.target.substr(0, tr.target.find('?'))]++;
      }
      TestResponse out = handler(tr);
      http::response<http::string_body> res{static_cast<http::status>(out.status), 11};
      res.set(http::field::content_type, out.content_type);
      res.body() = out.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(stream, res, MCPGW_EC(ec));
      if (ec || !res.keep_alive()) co_return;
    }
  }

  asio::awaitable<void> serve_plain(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    co_await serve(stream);
  }

  asio::awaitable<void> serve_tls(tcp::socket socket) {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
    error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server, MCPGW_EC(ec));
    if (ec) {
      failed_handshakes++;
      co_return;
    }
    co_await serve(stream);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(MCPGW_EC(ec));
      if (ec) co_return;
      if (tls)
        asio::co_spawn(io, serve_tls(std::move(socket)), asio::detached);
      else
        asio::co_spawn(io, serve_plain(std::move(socket)), asio::detached);
    }
  }

  unsigned short start() {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(ep.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen();
    asio::co_spawn(io, accept_loop(), asio::detached);
    for (int i = 0; i < thread_count; ++i) threads.emplace_back([this] { io.run(); });
    return acceptor.local_endpoint().port();
  }
};

LoopbackHttpServer::LoopbackHttpServer(Handler handler, int threads)
    : impl_(std::make_unique<Impl>(std::max(1, threads))) {
  impl_->handler = std::move(handler);
  port_ = impl_->start();
}

LoopbackHttpServer::LoopbackHttpServer(Handler handler, const TlsIdentity& tls)
    : impl_(std::make_unique<Impl>(1)) {
  impl_->handler = std::move(handler);
  auto& ctx = impl_->tls.emplace(asio::ssl::context::tls_server);
  ctx.use_certificate_chain(asio::buffer(tls.cert_chain_pem));
  ctx.use_private_key(asio::buffer(tls.private_key_pem), asio::ssl::context::pem);
  port_ = impl_->start();
}

LoopbackHttpServer::~LoopbackHttpServer() {
  stop();
}

std::string LoopbackHttpServer::base_url(const std::string& host) const {
  return std::string(impl_->tls ? "https://" : "http://") + host + ":" + std::to_string(port_);
}

int LoopbackHttpServer::hits(const std::string& path) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->hits.find(path);
  return it == impl_->hits.end() ? 0 : it->second;
}

int LoopbackHttpServer::failed_handshakes() const {
  return impl_->failed_handshakes;
}

void LoopbackHttpServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace mcpgw::auth::testing
