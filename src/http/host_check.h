// Protection against DNS rebinding: the Host and Origin headers must name this gateway.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mcpgw::http {

class HostCheck {
 public:
  // allowed_hosts: host names (any port) or host:port pairs; empty means loopback names only.
  // allowed_origins: full origins (scheme://host[:port]) or "*"; empty means loopback origins.
  HostCheck(std::vector<std::string> allowed_hosts, std::vector<std::string> allowed_origins);
  // Empty string when allowed, else the reason.
  std::string check(std::string_view host, std::string_view origin) const;

 private:
  bool host_allowed(std::string_view host_header) const;
  bool origin_allowed(std::string_view origin) const;
  std::vector<std::string> hosts_;
  std::vector<std::string> origins_;
};

// Splits "host:port" / "[v6]:port" into host (without brackets) and port ("" if none).
void split_host_port(std::string_view in, std::string_view& host, std::string_view& port);

}  // namespace mcpgw::http
