#include "upstream/http_exchange.h"

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <limits>
#include <vector>

namespace mcpgw::upstream {

namespace {

constexpr size_t kBodyChunk = 64 * 1024;
constexpr size_t kMaxHeaderBytes = 64 * 1024;

std::string media_type(std::string_view value) {
  std::string out(value.substr(0, value.find(';')));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One attempt on one connection. `reusable` says whether it may go back to the pool.
template <class Stream>
asio::awaitable<ExchangeResult> run(Stream& stream, Connection& connection,
                                    http::request<http::string_body>& request,
                                    const std::function<bool(const ResponseHead&)>& on_head,
                                    const std::function<bool(std::string_view)>& on_body,
                                    bool& reusable) {
  ExchangeResult result;
  reusable = false;
  co_await http::async_write(stream, request, MCPGW_EC(result.ec));
  if (result.ec) {
    result.failed_step = "send";
    co_return result;
  }
  http::response_parser<http::buffer_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  co_await http::async_read_header(stream, connection.buffer, parser, MCPGW_EC(result.ec));
  if (result.ec) {
    result.failed_step = "read";
    co_return result;
  }
  result.head_received = true;
  auto& response = parser.get();
  ResponseHead head;
  head.status = response.result_int();
  head.reason = std::string(response.reason());
  head.content_type = media_type(response[http::field::content_type]);
  head.session_id = std::string(response["mcp-session-id"]);
  if (!on_head(head)) co_return result;  // the connection is dropped: body unread
  auto& chunk = connection.body_chunk;
  if (chunk.size() != kBodyChunk) chunk.resize(kBodyChunk);
  while (!parser.is_done()) {
    response.body().data = chunk.data();
    response.body().size = chunk.size();
    // read_some, not read: read() would wait for the buffer to fill, holding SSE events back.
    co_await http::async_read_some(stream, connection.buffer, parser, MCPGW_EC(result.ec));
    if (result.ec == http::error::need_buffer) result.ec = {};
    size_t n = chunk.size() - response.body().size;
    if (n && !on_body(std::string_view(chunk.data(), n))) co_return result;
    if (result.ec) {
      result.failed_step = "read";
      co_return result;
    }
  }
  result.complete = true;
  reusable = parser.keep_alive();
  co_return result;
}

}  // namespace

asio::awaitable<ExchangeResult> exchange(ConnectionPool& pool,
                                         http::request<http::string_body> request,
                                         ExchangeOptions options,
                                         std::function<bool(const ResponseHead&)> on_head,
                                         std::function<bool(std::string_view)> on_body) {
  request.keep_alive(!options.dedicated);
  request.prepare_payload();
  ExchangeResult result;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> connection;
    if (options.dedicated)
      connection = co_await pool.connect(result.ec);
    else
      connection = co_await pool.acquire(result.ec);
    if (!connection) {
      result.failed_step = "connect";
      co_return result;
    }
    if (options.timeout.count() > 0) connection->tcp().expires_after(options.timeout);
    if (options.track) options.track(connection.get());
    bool reusable = false;
    bool was_reused = connection->reused;
    result = co_await connection->visit([&](auto& stream) {
      return run(stream, *connection, request, on_head, on_body, reusable);
    });
    if (options.track) options.track(nullptr);
    if (reusable) connection->tcp().expires_never();
    if (!options.dedicated) pool.release(std::move(connection), reusable);
    bool retry = was_reused && result.ec && !result.head_received &&
                 result.ec != beast::error::timeout && result.ec != asio::error::operation_aborted;
    if (!retry) break;
  }
  co_return result;
}

http::request<http::string_body> make_request(http::verb verb, const Url& url,
                                              const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> request(verb, url.target, 11);
  request.set(http::field::host, url.host_header());
  request.set(http::field::user_agent, "mcp-gateway");
  for (const auto& [name, value] : headers) request.set(name, value);
  return request;
}

std::string describe_failure(const ExchangeResult& result) {
  if (result.ec == beast::error::timeout) return result.failed_step + ": timed out";
  return result.failed_step + ": " + result.ec.message();
}

}  // namespace mcpgw::upstream
