// Credentials the gateway itself presents to an upstream MCP server (the client's token is never
// forwarded): an OAuth 2.1 client-credentials grant whose access token the gateway obtains and
// refreshes before it expires. Static headers from secrets are the servers' `headers:` config.
//
//   auth:
//     upstreams:
//       remote:                          # server name
//         token_endpoint: https://idp/token
//         client_id: mcp-gateway
//         client_secret: ${env:REMOTE_CLIENT_SECRET}
//         scope: "tools:call"           # optional
//         resource: https://remote/mcp  # optional RFC 8707 resource indicator
#pragma once
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace YAML {
class Node;
}

namespace mcpgw::auth {

struct ClientCredentialsSettings {
  std::string token_endpoint, client_id, client_secret, scope, resource;
  std::chrono::milliseconds http_timeout{5000};
  std::string ca_file;
};

// The `auth.upstreams` map (absent: empty). Throws config::ConfigError naming key and line.
std::map<std::string, ClientCredentialsSettings> load_upstream_credentials(const YAML::Node& auth);

// Keeps one access token fresh on its own thread: fetched at start, renewed at 80% of its
// lifetime, retried with backoff on failure (the last token is kept until it expires).
class ClientCredentialsToken {
 public:
  explicit ClientCredentialsToken(ClientCredentialsSettings settings);
  ~ClientCredentialsToken();
  void start();
  void stop();
  // "Bearer <token>" for the upstream's Authorization header; nullopt if no valid token.
  std::optional<std::string> authorization() const;
  // Fetches a token now, on the calling thread (also what the thread does). Returns an error
  // text or "".
  std::string refresh_now();
  std::string last_error() const;

 private:
  void run();
  ClientCredentialsSettings settings_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::string token_, last_error_;
  std::chrono::system_clock::time_point expires_{};
  std::chrono::steady_clock::time_point next_refresh_{};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mcpgw::auth
