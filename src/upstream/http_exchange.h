// One HTTP request/response over a pooled (or dedicated) connection, with the response body
// handed over piece by piece as it arrives, so that SSE streams are never buffered whole.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "upstream/http_pool.h"

namespace mcpgw::upstream {

namespace http = boost::beast::http;

struct ResponseHead {
  unsigned status = 0;
  std::string reason;
  std::string content_type;  // lower-case media type without parameters
  std::string session_id;    // Mcp-Session-Id, if present
};

struct ExchangeOptions {
  // The whole exchange (write, head and body) must finish within this; zero: no limit (streams).
  std::chrono::milliseconds timeout{0};
  bool dedicated = false;  // a fresh connection outside the pool, closed afterwards
  // Registers the connection in use so that its owner can cancel() it; called with null when done.
  std::function<void(Connection*)> track;
};

struct ExchangeResult {
  error_code ec;               // set when the exchange failed (connect, write, read, timeout)
  bool head_received = false;  // the response head arrived (ec then refers to the body)
  bool complete = false;       // the body was read to its end
  std::string failed_step;     // "connect", "send", "read" for messages
};

// on_head may return false to skip the body; on_body may return false to stop reading (the
// connection is then closed, not reused). A failure on a reused idle connection before any
// response byte is retried once on a fresh connection (the server may have closed it meanwhile).
asio::awaitable<ExchangeResult> exchange(ConnectionPool& pool,
                                         http::request<http::string_body> request,
                                         ExchangeOptions options,
                                         std::function<bool(const ResponseHead&)> on_head,
                                         std::function<bool(std::string_view)> on_body);

// A request with Host, User-Agent and the server's configured headers set.
http::request<http::string_body> make_request(http::verb verb, const Url& url,
                                              const std::map<std::string, std::string>& headers);

// "connect: Connection refused", "read: timed out", for error messages.
std::string describe_failure(const ExchangeResult& result);

}  // namespace mcpgw::upstream
