// http(s) URLs of upstream servers: parsing, and resolving the legacy SSE `endpoint` event
// (which may be relative) against the stream's URL.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace mcpgw::upstream {

struct UrlError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct Url {
  bool tls = false;    // https
  std::string host;    // without brackets for IPv6 literals
  std::string port;    // always set: "80"/"443" by default
  std::string target;  // path and query, at least "/"

  // The Host header value: host, plus the port when it is not the scheme's default.
  std::string host_header() const;
  // scheme://host:port, the key of a connection pool.
  std::string origin() const;
  std::string str() const { return origin() + target; }
};

// Throws UrlError with a message naming the problem for anything but absolute http(s) URLs.
Url parse_url(std::string_view text);
// `ref` may be absolute (http://...), scheme-relative (//host/...), absolute-path (/path?q)
// or path-relative (path?q, resolved against base's directory).
Url resolve_url(const Url& base, std::string_view ref);

}  // namespace mcpgw::upstream
