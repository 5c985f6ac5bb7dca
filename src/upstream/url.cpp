#include "upstream/url.h"

#include <algorithm>
#include <cctype>

namespace mcpgw::upstream {

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}
}  // namespace

std::string Url::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? "443" : "80")) h += ":" + port;
  return h;
}

std::string Url::origin() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(tls ? "https://" : "http://") + h + ":" + port;
}

Url parse_url(std::string_view text) {
  Url url;
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos)
    throw UrlError("URL '" + std::string(text) + "' has no scheme (expected http:// or https://)");
  std::string scheme = lower(text.substr(0, scheme_end));
  if (scheme == "https")
    url.tls = true;
  else if (scheme != "http")
    throw UrlError("URL '" + std::string(text) + "' has scheme '" + scheme +
                   "' (expected http or https)");
  std::string_view rest = text.substr(scheme_end + 3);
  size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view target = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  if (size_t hash = target.find('#'); hash != std::string_view::npos)
    target = target.substr(0, hash);
  if (authority.find('@') != std::string_view::npos)
    throw UrlError("URL '" + std::string(text) + "' carries credentials; use headers instead");
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      throw UrlError("URL '" + std::string(text) + "' has an unclosed IPv6 bracket");
    url.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw UrlError("URL '" + std::string(text) + "' has a bad port");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) throw UrlError("URL '" + std::string(text) + "' has no host");
  if (port.empty()) {
    url.port = url.tls ? "443" : "80";
  } else {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535)
      throw UrlError("URL '" + std::string(text) + "' has an invalid port '" + std::string(port) +
                     "'");
    url.port = port;
  }
  url.target = target.empty() ? "/" : std::string(target);
  if (url.target.front() == '?') url.target = "/" + url.target;
  return url;
}

Url resolve_url(const Url& base, std::string_view ref) {
  if (ref.find("://") != std::string_view::npos) return parse_url(ref);
  if (ref.substr(0, 2) == "//")
    return parse_url(std::string(base.tls ? "https:" : "http:") + std::string(ref));
  Url url = base;
  if (ref.empty()) return url;
  if (ref.front() == '/') {
    url.target = ref;
  } else if (ref.front() == '?') {
    url.target = base.target.substr(0, base.target.find('?')) + std::string(ref);
  } else {
    std::string path = base.target.substr(0, base.target.find('?'));
    url.target = path.substr(0, path.rfind('/') + 1) + std::string(ref);
  }
  return url;
}

}  // namespace mcpgw::upstream
