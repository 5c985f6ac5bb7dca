#include "loopback_http_server.h"

#include "net/asio.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace mcpgw::auth::testing {
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct LoopbackHttpServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  Handler handler;
  mutable std::mutex mutex;
  std::map<std::string, int> hits;
  std::thread thread;
  std::atomic<bool> stopped{false};

  asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
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

  asio::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(MCPGW_EC(ec));
      if (ec) co_return;
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }
};

LoopbackHttpServer::LoopbackHttpServer(Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

LoopbackHttpServer::~LoopbackHttpServer() {
  stop();
}

int LoopbackHttpServer::hits(const std::string& path) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->hits.find(path);
  return it == impl_->hits.end() ? 0 : it->second;
}

void LoopbackHttpServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace mcpgw::auth::testing
