#include "http/host_check.h"

#include <algorithm>
#include <cctype>

namespace mcpgw::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A dotted-quad IPv4 literal in 127.0.0.0/8. Checking only the "127." prefix (as before) let
// a DNS name such as "127.0.0.1.attacker.example" through: exactly what rebinding uses
// (found by core-tests).
bool is_ipv4_loopback(std::string_view h) {
  int parts = 0;
  size_t at = 0;
  while (at <= h.size()) {
    size_t dot = h.find('.', at);
    std::string_view part = h.substr(at, dot == std::string_view::npos ? h.size() - at : dot - at);
    if (part.empty() || part.size() > 3 ||
        part.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
    int value = 0;
    for (char c : part) value = value * 10 + (c - '0');
    if (value > 255 || (parts == 0 && value != 127)) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    at = dot + 1;
  }
  return parts == 4;
}

bool is_loopback_name(std::string_view h) {
  return iequals(h, "localhost") || h == "::1" || is_ipv4_loopback(h);
}

}  // namespace

void split_host_port(std::string_view in, std::string_view& host, std::string_view& port) {
  port = {};
  if (!in.empty() && in.front() == '[') {
    size_t close = in.find(']');
    host = in.substr(1, close == std::string_view::npos ? in.size() - 1 : close - 1);
    if (close != std::string_view::npos && close + 1 < in.size() && in[close + 1] == ':')
      port = in.substr(close + 2);
    return;
  }
  size_t colon = in.rfind(':');
  if (colon != std::string_view::npos && in.find(':') == colon) {
    host = in.substr(0, colon);
    port = in.substr(colon + 1);
  } else {
    host = in;
  }
}

HostCheck::HostCheck(std::vector<std::string> allowed_hosts,
                     std::vector<std::string> allowed_origins)
    : hosts_(std::move(allowed_hosts)), origins_(std::move(allowed_origins)) {}

bool HostCheck::host_allowed(std::string_view header) const {
  std::string_view host, port;
  split_host_port(header, host, port);
  if (host.empty()) return false;
  if (hosts_.empty()) return is_loopback_name(host);
  for (auto& a : hosts_) {
    if (a == "*") return true;
    if (iequals(a, header) || iequals(a, host)) return true;
  }
  return false;
}

bool HostCheck::origin_allowed(std::string_view origin) const {
  if (!origins_.empty()) {
    for (auto& o : origins_)
      if (o == "*" || iequals(o, origin)) return true;
    return false;
  }
  // Default: loopback origins over http or https.
  size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view scheme = origin.substr(0, scheme_end);
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) return false;
  std::string_view rest = origin.substr(scheme_end + 3), host, port;
  split_host_port(rest, host, port);
  return is_loopback_name(host) || std::any_of(hosts_.begin(), hosts_.end(), [&](auto& h) {
           return iequals(h, host) || iequals(h, rest);
         });
}

std::string HostCheck::check(std::string_view host, std::string_view origin) const {
  if (host.empty()) return "missing Host header";
  if (!host_allowed(host)) return "Host '" + std::string(host) + "' is not allowed";
  if (!origin.empty() && origin != "null" && !origin_allowed(origin))
    return "Origin '" + std::string(origin) + "' is not allowed";
  if (origin == "null") return "Origin 'null' is not allowed";
  return {};
}

}  // namespace mcpgw::http
