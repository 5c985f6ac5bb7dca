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
//         grant: token_exchange         # optional: RFC 8693 on behalf of each user (see
//                                       # token_exchange.h); default client_credentials
//         audience: remote-api          # optional RFC 8693 audience (token_exchange only)
//         max_concurrent_exchanges: 4   # optional (token_exchange only): exchanges at once
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ops/config.h"

namespace YAML {
class Node;
}

namespace mcpgw::auth {

struct ClientCredentialsSettings {
  std::string token_endpoint, client_id, client_secret, scope, resource;
  // grant: token_exchange: each client session gets a token exchanged for the client's own
  // (RFC 8693) instead of the gateway's client-credentials token. `audience` is sent with it.
  bool token_exchange = false;
  std::string audience;
  // How the client authenticates (RFC 6749 2.3.1): the secret in the form body
  // (client_secret_post) or in an HTTP Basic Authorization header (client_secret_basic).
  bool basic_auth = false;
  std::chrono::milliseconds http_timeout{5000};
  std::string ca_file;
  // A failed fetch is retried after this; forced refreshes (an upstream refused the token, or a
  // request found none) are not made more often than min_refresh_interval.
  std::chrono::milliseconds retry_interval{5000};
  std::chrono::milliseconds min_refresh_interval{1000};
  // grant: token_exchange: how many exchanges (of different client tokens) run at once, 1 to 64.
  std::size_t max_concurrent_exchanges = 4;
};

// The `auth.upstreams` map (absent: empty). Throws config::ConfigError naming key and line.
// With `servers`, each entry must name an http or sse server that sets no Authorization header
// of its own.
std::map<std::string, ClientCredentialsSettings> load_upstream_credentials(
    const YAML::Node& auth, const std::vector<config::ServerConfig>* servers = nullptr);

// One request to the token endpoint: `grant` (form fields starting with grant_type=) plus the
// client authentication, scope and resource of `settings`. Blocks (http_timeout at most).
struct TokenResponse {
  std::string access_token;
  long long expires_in = 0;  // seconds; 300 when the response does not say
  std::string error;         // "" on success; names the HTTP status and the OAuth error
};
TokenResponse request_token(const ClientCredentialsSettings& settings, const std::string& grant);
std::string form_encode(std::string_view s);

// Keeps one access token fresh on its own thread: fetched at start, renewed at 80% of its
// lifetime, retried every retry_interval on failure (the last token is kept until it expires).
class ClientCredentialsToken {
 public:
  explicit ClientCredentialsToken(ClientCredentialsSettings settings);
  ~ClientCredentialsToken();
  void start();
  void stop();
  // "Bearer <token>" for the upstream's Authorization header; nullopt if no valid token, with
  // `why_not` saying why. A mutex-guarded copy: never waits for a fetch.
  std::optional<std::string> authorization() const;
  std::optional<std::string> authorization(std::string& why_not) const;
  // Asks the thread for a new token because there is none or an upstream refused `rejected`
  // (a value authorization() gave). Never blocks. `done` is called once, on the token thread or
  // at once, when a token other than `rejected` is at hand or the fetch ended. Concurrent asks
  // share one fetch; without a running thread (not started, stopped) `done` is called at once.
  void request_refresh(const std::string& rejected, std::function<void()> done);
  // Fetches a token now, on the calling thread (also what the thread does). Returns an error
  // text or "".
  std::string refresh_now();
  std::string last_error() const;

 private:
  void run();
  TokenResponse fetch();                        // records the attempt; the request is unlocked
  std::string apply_locked(TokenResponse res);  // under mutex_: keeps the token or the error
  ClientCredentialsSettings settings_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::string token_, last_error_;
  std::chrono::system_clock::time_point expires_{};
  std::chrono::steady_clock::time_point next_refresh_{};
  std::chrono::steady_clock::time_point last_attempt_{};
  bool stopping_ = false, fetching_ = false, attempted_ = false;
  std::vector<std::function<void()>> waiting_;  // request_refresh callers
  std::thread thread_;
};

}  // namespace mcpgw::auth
