// A small blocking HTTP(S) client for the auth background thread: discovery documents, JWKS,
// introspection. Each call runs its own io_context with one overall deadline.
#pragma once
#include <chrono>
#include <map>
#include <string>

namespace mcpgw::auth {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http:// or https://
  std::map<std::string, std::string> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};
  std::string ca_file;             // extra trust anchors for https; empty: system store
  std::size_t max_body = 1 << 20;  // a larger response is an error
};

struct HttpResponse {
  int status = 0;  // 0 when the request failed before a response
  std::string body;
  std::string error;  // transport error ("" when a response arrived)
};

HttpResponse http_fetch(const HttpRequest& request);

struct ParsedUrl {
  bool tls = false;
  std::string host, port, target;  // target: path + query, at least "/"
};
// Throws std::invalid_argument for anything but absolute http(s) URLs.
ParsedUrl parse_url(const std::string& url);

}  // namespace mcpgw::auth
