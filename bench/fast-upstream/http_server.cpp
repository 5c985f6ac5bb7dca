#include "http_server.h"

#include "net/asio.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <iostream>
#include <thread>
#include <vector>

namespace mcpgw::bench {
namespace {
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kMaxBody = 4 << 20;

http::response<http::string_body> respond(const http::request<http::string_body>& request,
                                          const std::string& path, const Responder& responder) {
  http::response<http::string_body> response;
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  if (request.target() != path) {
    response.result(http::status::not_found);
    return response;
  }
  auto session_it = request.find("Mcp-Session-Id");
  std::string_view session = session_it != request.end() ? session_it->value() : std::string_view{};
  if (request.method() == http::verb::post) {
    Reply reply = responder.handle_post(request.body(), session);
    response.result(reply.status);
    if (!reply.body.empty()) {
      response.set(http::field::content_type, "application/json");
      response.body() = std::move(reply.body);
    }
    if (!reply.session_id.empty()) response.set("Mcp-Session-Id", reply.session_id);
  } else if (request.method() == http::verb::delete_) {
    response.result(responder.is_known_session(session) ? http::status::ok
                                                        : http::status::not_found);
  } else {
    // No server-to-client stream: the spec allows 405 for GET.
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "POST, DELETE");
  }
  return response;
}

asio::awaitable<void> serve_connection(tcp::socket socket, const std::string& path,
                                       const Responder& responder) {
  boost::beast::flat_buffer buffer;
  error_code ec;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    co_await http::async_read(socket, buffer, parser, MCPGW_EC(ec));
    if (ec) break;  // closed by the client, or a request we cannot parse
    auto response = respond(parser.get(), path, responder);
    response.prepare_payload();
    co_await http::async_write(socket, response, MCPGW_EC(ec));
    if (ec || !response.keep_alive()) break;
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const std::string& path,
                                  const Responder& responder) {
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(MCPGW_EC(ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;  // e.g. out of file descriptors: keep serving the others
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), serve_connection(std::move(socket), path, responder),
                   asio::detached);
  }
}

}  // namespace

int run_server(const ServerOptions& options, const Responder& responder) {
  asio::io_context io(options.threads);
  tcp::acceptor acceptor(io);
  error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address(options.host, ec), options.port);
  if (ec) {
    std::cerr << "fast-upstream: bad host '" << options.host << "': " << ec.message() << "\n";
    return 2;
  }
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "fast-upstream: cannot listen on " << options.host << ":" << options.port << ": "
              << ec.message() << "\n";
    return 1;
  }
  std::cout << "listening on http://" << options.host << ":" << acceptor.local_endpoint().port()
            << options.path << std::endl;

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](error_code, int) { io.stop(); });
  asio::co_spawn(io, accept_loop(acceptor, options.path, responder), asio::detached);

  std::vector<std::thread> extra;
  for (int i = 1; i < options.threads; ++i) extra.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : extra) t.join();
  return 0;
}

}  // namespace mcpgw::bench
