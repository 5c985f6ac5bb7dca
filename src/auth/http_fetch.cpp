#include "auth/http_fetch.h"

#include "net/asio.h"

#include <openssl/x509v3.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <stdexcept>

namespace mcpgw::auth {
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

ParsedUrl parse_url(const std::string& url) {
  ParsedUrl out;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    out.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    throw std::invalid_argument("not an http(s) URL: " + url);
  }
  auto slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (out.target[0] == '?') out.target = "/" + out.target;
  if (authority.empty() || authority.find('@') != std::string::npos)
    throw std::invalid_argument("URL without a usable host: " + url);
  if (authority[0] == '[') {  // [v6]:port
    auto close = authority.find(']');
    if (close == std::string::npos) throw std::invalid_argument("bad IPv6 host in " + url);
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      out.port = authority.substr(close + 2);
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) out.port = authority.substr(colon + 1);
  }
  if (out.port.empty()) out.port = out.tls ? "443" : "80";
  return out;
}

namespace {

template <class Stream>
asio::awaitable<void> exchange(Stream& stream, const HttpRequest& request, const ParsedUrl& url,
                               HttpResponse& response) {
  http::request<http::string_body> req{http::string_to_verb(request.method), url.target, 11};
  // Host carries the port unless it is the scheme's default (servers build URLs from it).
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? "443" : "80")) host += ":" + url.port;
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "mcp-gateway-auth");
  req.set(http::field::connection, "close");
  for (const auto& [k, v] : request.headers) req.set(k, v);
  if (!request.body.empty() || request.method == "POST") {
    req.body() = request.body;
    req.prepare_payload();
  }
  error_code ec;
  co_await http::async_write(stream, req, MCPGW_EC(ec));
  if (ec) {
    response.error = "write: " + ec.message();
    co_return;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(request.max_body);
  co_await http::async_read_header(stream, buffer, parser, MCPGW_EC(ec));
  // Boost 1.74 does not apply body_limit to a Content-Length body: check it here.
  if (!ec && parser.content_length() && *parser.content_length() > request.max_body)
    ec = http::error::body_limit;
  if (!ec && !parser.is_done()) co_await http::async_read(stream, buffer, parser, MCPGW_EC(ec));
  if (ec) {
    response.error = "read: " + ec.message();
    co_return;
  }
  response.status = parser.get().result_int();
  response.body = std::move(parser.get().body());
}

asio::awaitable<void> run(asio::io_context& io, const HttpRequest& request,
                          HttpResponse& response) {
  ParsedUrl url;
  try {
    url = parse_url(request.url);
  } catch (const std::exception& e) {
    response.error = e.what();
    co_return;
  }
  error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = co_await resolver.async_resolve(url.host, url.port, MCPGW_EC(ec));
  if (ec) {
    response.error = "resolve " + url.host + ": " + ec.message();
    co_return;
  }
  if (!url.tls) {
    beast::tcp_stream stream(io);
    co_await stream.async_connect(endpoints, MCPGW_EC(ec));
    if (ec) {
      response.error = "connect " + url.host + ":" + url.port + ": " + ec.message();
      co_return;
    }
    co_await exchange(stream, request, url, response);
    co_return;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_default_verify_paths();
  if (!request.ca_file.empty()) {
    ctx.load_verify_file(request.ca_file, ec);
    if (ec) {
      response.error = "cannot load CA file " + request.ca_file + ": " + ec.message();
      co_return;
    }
  }
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  SSL* ssl = stream.native_handle();
  // OpenSSL checks the name itself, so a mismatch is reported as such (X509_V_ERR_*_MISMATCH)
  // instead of a bare "certificate verify failed". No SNI for an address (RFC 6066 §3).
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  error_code not_an_address;
  asio::ip::make_address(url.host, not_an_address);
  if (!not_an_address) {
    X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str());
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), url.host.size());
    SSL_set_tlsext_host_name(ssl, url.host.c_str());
  }
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, MCPGW_EC(ec));
  if (ec) {
    response.error = "connect " + url.host + ":" + url.port + ": " + ec.message();
    co_return;
  }
  co_await stream.async_handshake(asio::ssl::stream_base::client, MCPGW_EC(ec));
  if (ec) {
    response.error = "TLS handshake with " + url.host + ":" + url.port + ": " + ec.message();
    if (long verify = SSL_get_verify_result(ssl); verify != X509_V_OK)
      response.error += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
    co_return;
  }
  co_await exchange(stream, request, url, response);
}

}  // namespace

HttpResponse http_fetch(const HttpRequest& request) {
  HttpResponse response;
  asio::io_context io(1);
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          co_await run(io, request, response);
        } catch (const std::exception& e) {
          response.error = e.what();
        }
        finished = true;
      },
      asio::detached);
  io.run_for(request.timeout);
  if (!finished) {
    response = HttpResponse{};
    response.error = "timed out after " + std::to_string(request.timeout.count()) + " ms";
  }
  return response;  // destroying `io` destroys any suspended coroutine and closes its sockets
}

}  // namespace mcpgw::auth
