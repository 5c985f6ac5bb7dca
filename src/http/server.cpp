#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "session/event_stream.h"

namespace mcpgw::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kKeepAliveInterval = std::chrono::seconds(20);
constexpr auto kWriteTimeout = std::chrono::seconds(30);

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

void append_head(std::string& out, const Reply& r, bool chunked, size_t length, bool close) {
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += reason_phrase(r.status);
  out += "\r\n";
  if (chunked || !r.body.empty() || r.stream) {
    out += "Content-Type: ";
    out += r.content_type;
    out += "\r\n";
  }
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\nCache-Control: no-cache, no-transform\r\n";
  } else {
    out += "Content-Length: ";
    out += std::to_string(length);
    out += "\r\n";
  }
  for (auto& [k, v] : r.headers) {
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
}

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  char hex[20];
  int n = snprintf(hex, sizeof hex, "%zx\r\n", data.size());
  out.append(hex, n);
  out += data;
  out += "\r\n";
}

std::string_view field(const bhttp::request<bhttp::string_body>& req, bhttp::field f) {
  auto it = req.find(f);
  return it == req.end() ? std::string_view{}
                         : std::string_view(it->value().data(), it->value().size());
}
std::string_view field(const bhttp::request<bhttp::string_body>& req, std::string_view name) {
  auto it = req.find(beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string_view{}
                         : std::string_view(it->value().data(), it->value().size());
}

// A field in header bytes the parser did not get through (cut off at the header limit, or
// malformed): its value, and whether its line ended within `raw`.
struct RawField {
  std::string_view value;
  bool complete = false;
};
RawField raw_field(std::string_view raw, std::string_view name) {
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t eol = raw.find("\r\n", pos);
    std::string_view line = raw.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (line.empty()) break;  // the end of the header section
    if (line.size() > name.size() && line[name.size()] == ':' &&
        beast::iequals(beast::string_view(line.data(), name.size()),
                       beast::string_view(name.data(), name.size()))) {
      std::string_view v = line.substr(name.size() + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      bool complete = eol != std::string_view::npos;
      while (complete && !v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      return {v, complete};
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 2;
  }
  return {};
}

// Completion shared between the handler's callback and the waiting coroutine.
struct PendingReply {
  std::optional<Reply> reply;
  asio::steady_timer* waker = nullptr;
};

tcp::socket& lowest_socket(beast::tcp_stream& s) {
  return s.socket();
}
tcp::socket& lowest_socket(beast::ssl_stream<beast::tcp_stream>& s) {
  return beast::get_lowest_layer(s).socket();
}

}  // namespace

struct Server::Impl {
  asio::io_context& io;
  config::ListenConfig listen;
  config::LimitsConfig limits;
  Handler handler;
  RefusalHook on_refused;
  tcp::acceptor acceptor;
  std::unique_ptr<asio::ssl::context> tls;
  bool stopping = false;

  Impl(asio::io_context& io, const config::ListenConfig& l, const config::LimitsConfig& lim,
       Handler h)
      : io(io), listen(l), limits(lim), handler(std::move(h)), acceptor(io) {}

  asio::awaitable<void> accept_loop() {
    while (!stopping) {
      error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(MCPGW_EC(ec));
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) co_return;
        spdlog::warn("accept: {}", ec.message());
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      std::string peer;
      auto ep = socket.remote_endpoint(ec);
      if (!ec) peer = ep.address().to_string();
      if (tls) {
        asio::co_spawn(io, serve_tls(std::move(socket), peer), asio::detached);
      } else {
        asio::co_spawn(io, serve(beast::tcp_stream(std::move(socket)), peer), asio::detached);
      }
    }
  }

  asio::awaitable<void> serve_tls(tcp::socket socket, std::string peer) {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server, MCPGW_EC(ec));
    if (ec) {
      spdlog::debug("tls handshake with {} failed: {}", peer, ec.message());
      co_return;
    }
    co_await serve(std::move(stream), peer);
  }

  template <class Stream>
  asio::awaitable<void> write_all(Stream& stream, const std::string& data, error_code& ec) {
    beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
    co_await asio::async_write(stream, asio::buffer(data), MCPGW_EC(ec));
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream stream, std::string peer) {
    beast::flat_buffer buffer;
    error_code ec;
    while (!stopping) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
      parser.body_limit(limits.max_body_bytes);
      beast::get_lowest_layer(stream).expires_after(limits.idle_timeout);
      co_await bhttp::async_read(stream, buffer, parser, MCPGW_EC(ec));
      if (ec == bhttp::error::body_limit) {
        co_await refuse(
            stream, parser, buffer, peer, true,
            Reply::json(
                413,
                R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"request body is larger than )" +
                    std::to_string(limits.max_body_bytes) + R"( bytes"}})"),
            "request body larger than " + std::to_string(limits.max_body_bytes) + " bytes", ec);
        break;
      }
      if (ec == bhttp::error::header_limit) {
        co_await refuse(
            stream, parser, buffer, peer, false,
            Reply::text(431, "request headers are too large\n"),
            "request headers larger than " + std::to_string(limits.max_header_bytes) + " bytes",
            ec);
        break;
      }
      if (ec) {
        if (ec != bhttp::error::end_of_stream && ec != asio::error::eof &&
            ec != beast::error::timeout && ec != asio::error::connection_reset &&
            ec != asio::error::operation_aborted) {
          std::string why = "malformed HTTP request: " + ec.message();
          co_await refuse(stream, parser, buffer, peer, parser.is_header_done(),
                          Reply::text(400, why + "\n"), why, ec);
        }
        break;
      }
      auto& req = parser.get();
      Request r;
      r.method = std::string_view(req.method_string().data(), req.method_string().size());
      r.target = std::string_view(req.target().data(), req.target().size());
      r.body = req.body();
      r.host = field(req, bhttp::field::host);
      r.origin = field(req, bhttp::field::origin);
      r.content_type = field(req, bhttp::field::content_type);
      r.accept = field(req, bhttp::field::accept);
      r.authorization = field(req, bhttp::field::authorization);
      r.user_agent = field(req, bhttp::field::user_agent);
      r.session_id = field(req, "Mcp-Session-Id");
      r.protocol_version = field(req, "MCP-Protocol-Version");
      r.last_event_id = field(req, "Last-Event-ID");
      r.client_addr = peer;
      bool keep_alive = req.keep_alive();

      auto pending = std::make_shared<PendingReply>();
      asio::steady_timer waker(io, std::chrono::steady_clock::time_point::max());
      pending->waker = &waker;
      handler(r, [pending](Reply reply) {
        pending->reply = std::move(reply);
        if (pending->waker) pending->waker->cancel();
      });
      while (!pending->reply) {
        error_code wec;
        co_await waker.async_wait(MCPGW_EC(wec));
      }
      pending->waker = nullptr;
      Reply reply = std::move(*pending->reply);
      bool close = !keep_alive || reply.close_connection || stopping;
      if (!reply.stream) {
        co_await write_simple(stream, reply, close, ec);
      } else if (!reply.sse) {
        co_await write_json_when_done(stream, reply, close, ec);
      } else {
        co_await write_sse(stream, reply, close, ec);
      }
      if (ec || close) break;
    }
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // Tells the refusal hook what is known of a request the server will not handle, then writes
  // `reply` and leaves the connection to be closed (the rest of the request was not read).
  // fields_parsed: the parser got through the whole header section, so the buffer holds no
  // field lines (a Content-Length over the body limit stops Beast there without marking the
  // header done).
  template <class Stream>
  asio::awaitable<void> refuse(Stream& stream, bhttp::request_parser<bhttp::string_body>& parser,
                               const beast::flat_buffer& buffer, const std::string& peer,
                               bool fields_parsed, Reply reply, std::string reason,
                               error_code& ec) {
    if (on_refused) {
      Refusal f;
      f.status = reply.status;
      f.reason = std::move(reason);
      f.client_addr = peer;
      const auto& req = parser.get();
      f.method = std::string_view(req.method_string().data(), req.method_string().size());
      if (!f.method.empty()) f.target = std::string_view(req.target().data(), req.target().size());
      // Fields the parser got through are in the message (and gone from the buffer); the
      // rest, when it stopped inside the header section, are still raw bytes in the buffer.
      f.user_agent = field(req, bhttp::field::user_agent);
      f.authorization_bytes = field(req, bhttp::field::authorization).size();
      if (!fields_parsed) {
        std::string_view raw(static_cast<const char*>(buffer.data().data()), buffer.data().size());
        auto ua = raw_field(raw, "User-Agent");
        if (f.user_agent.empty() && ua.complete) f.user_agent = ua.value;
        if (f.authorization_bytes == 0)
          f.authorization_bytes = raw_field(raw, "Authorization").value.size();
      }
      try {
        on_refused(f, reply);
      } catch (const std::exception& e) {
        spdlog::error("refusal hook: {}", e.what());
      }
    }
    co_await write_simple(stream, reply, true, ec);
  }

  template <class Stream>
  asio::awaitable<void> write_simple(Stream& stream, const Reply& r, bool close, error_code& ec) {
    std::string out;
    out.reserve(256 + r.body.size());
    append_head(out, r, false, r.body.size(), close);
    out += r.body;
    co_await write_all(stream, out, ec);
  }

  // Waits for every response the stream owes, then writes them as one JSON body.
  template <class Stream>
  asio::awaitable<void> write_json_when_done(Stream& stream, Reply& r, bool close, error_code& ec) {
    auto s = r.stream;
    asio::steady_timer waker(io, std::chrono::steady_clock::time_point::max());
    s->attach(&waker);
    auto gone = watch_disconnect(stream, waker);
    while (!s->finished() && !gone->gone) {
      error_code wec;
      co_await waker.async_wait(MCPGW_EC(wec));
    }
    stop_watch(stream, gone);
    s->detach(std::chrono::milliseconds(0));
    if (r.on_stream_end) r.on_stream_end();
    if (!s->finished()) {
      ec = asio::error::connection_reset;
      co_return;
    }
    auto& responses = s->json_responses();
    if (r.json_batch) {
      r.body = "[";
      for (size_t i = 0; i < responses.size(); ++i) {
        if (i) r.body += ',';
        r.body += responses[i];
      }
      r.body += ']';
    } else if (!responses.empty()) {
      r.body = responses.front();
    } else {
      r.status = 202;
      r.body.clear();
    }
    r.stream.reset();
    co_await write_simple(stream, r, close, ec);
  }

  template <class Stream>
  asio::awaitable<void> write_sse(Stream& stream, Reply& r, bool close, error_code& ec) {
    auto s = r.stream;
    asio::steady_timer waker(io, std::chrono::steady_clock::time_point::max());
    if (!s->attach(&waker)) {
      Reply conflict = Reply::text(409, "another connection is already reading this stream\n");
      co_await write_simple(stream, conflict, close, ec);
      co_return;
    }
    r.content_type = "text/event-stream";
    std::string out;
    append_head(out, r, true, 0, close);
    append_chunk(out, r.first_event);
    uint64_t after = r.after_seq;
    auto gone = watch_disconnect(stream, waker);
    bool replay_ok = true;
    while (true) {
      std::string events;
      if (!s->pull_events(after, events)) replay_ok = false;
      append_chunk(out, events);
      if (!replay_ok) break;
      if (s->finished() && events.empty()) break;
      if (!out.empty()) {
        co_await write_all(stream, out, ec);
        out.clear();
        if (ec) break;
        continue;
      }
      if (gone->gone) break;
      waker.expires_after(kKeepAliveInterval);
      error_code wec;
      co_await waker.async_wait(MCPGW_EC(wec));
      if (!wec && !gone->gone) append_chunk(out, ": keep-alive\n\n");  // keeps proxies awake
    }
    stop_watch(stream, gone);
    bool complete = s->finished() && !ec && !gone->gone && replay_ok;
    s->detach(complete ? std::chrono::milliseconds(0) : r.resume_grace);
    if (r.on_stream_end) r.on_stream_end();
    if (complete) {
      out += "0\r\n\r\n";
      co_await write_all(stream, out, ec);
    } else {
      ec = asio::error::connection_reset;  // the stream broke: close this connection
    }
  }

  // Watches the socket for the client going away while the gateway is streaming to it.
  struct Watch {
    bool gone = false;
    asio::steady_timer* waker = nullptr;  // null once the watch is stopped
  };
  template <class Stream>
  std::shared_ptr<Watch> watch_disconnect(Stream& stream, asio::steady_timer& waker) {
    auto w = std::make_shared<Watch>();
    w->waker = &waker;
    auto& sock = lowest_socket(stream);
    sock.async_wait(tcp::socket::wait_read, [w, &sock](error_code ec) {
      if (!w->waker) return;  // stopped: the socket and timer may be gone
      error_code aec;
      if (ec || sock.available(aec) == 0 || aec) {
        w->gone = true;
        w->waker->cancel();
      }
    });
    return w;
  }

  template <class Stream>
  void stop_watch(Stream& stream, const std::shared_ptr<Watch>& w) {
    w->waker = nullptr;
    error_code ec;
    lowest_socket(stream).cancel(ec);
  }
};

Server::Server(asio::io_context& io, const config::ListenConfig& listen,
               const config::LimitsConfig& limits, Handler handler)
    : impl_(std::make_unique<Impl>(io, listen, limits, std::move(handler))) {}

Server::~Server() {
  stop();
}

void Server::start() {
  auto& l = impl_->listen;
  error_code ec;
  auto addr = asio::ip::make_address(l.host, ec);
  if (ec) throw std::runtime_error("listen: '" + l.host + "' is not an IP address");
  tcp::endpoint ep(addr, l.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("listen: cannot bind " + l.host + ":" + std::to_string(l.port) + ": " +
                             ec.message());
  if (!l.tls_cert.empty()) {
    impl_->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    impl_->tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                            asio::ssl::context::no_tlsv1_1);
    impl_->tls->use_certificate_chain_file(l.tls_cert, ec);
    if (!ec) impl_->tls->use_private_key_file(l.tls_key, asio::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("listen: TLS certificate or key: " + ec.message());
  }
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
}

void Server::on_refused(RefusalHook hook) {
  impl_->on_refused = std::move(hook);
}

void Server::stop() {
  if (!impl_ || impl_->stopping) return;
  impl_->stopping = true;
  error_code ec;
  impl_->acceptor.close(ec);
}

uint16_t Server::port() const {
  error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

}  // namespace mcpgw::http
