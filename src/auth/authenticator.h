// The gateway's OAuth 2.1 resource server: verifies the Authorization header of each request
// (JWT against the issuers' JWKS, opaque tokens by RFC 7662 introspection, hashed API keys),
// checks per-method scopes and serves the RFC 9728 protected resource metadata.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/asio.h"

namespace YAML {
class Node;
}

namespace mcpgw::auth {

// Who made the request, after verification and role mapping. Goes to policy input and audit.
struct Identity {
  std::string scheme;  // "jwt", "introspection" or "api_key"
  std::string subject, issuer, client_id, token_id;
  std::vector<std::string> roles;      // gateway roles after mapping: "admin", "user"
  std::vector<std::string> raw_roles;  // as the token or key stated them
  std::vector<std::string> scopes;
  std::chrono::system_clock::time_point expires_at;
  nlohmann::json claims;  // the verified claims (JWT payload / introspection response)
};

// The answer for one request. When !ok, the gateway replies http_status with the
// WWW-Authenticate header and a JSON error body naming `error` and `reason`.
struct Outcome {
  bool ok = false;
  std::shared_ptr<const Identity> identity;
  int http_status = 0;           // 400, 401 or 403 when !ok
  std::string www_authenticate;  // full header value
  std::string error;   // invalid_token, insufficient_scope, invalid_request ("" if no token)
  std::string reason;  // human readable, for log and audit; never contains the token
};

// One trusted authorization server.
struct IssuerSettings {
  std::string issuer;                    // exact `iss` value
  std::string jwks_uri;                  // empty: discovered (RFC 8414, then OpenID discovery)
  std::string jwks_file;                 // static keys from a local file (development key)
  std::string introspection_endpoint;    // RFC 7662; empty: discovered if client_id is set
  std::string client_id, client_secret;  // for introspection (HTTP Basic)
  std::vector<std::string> audiences;    // accepted `aud` values; default: the gateway's resource
  // An introspection response must name an accepted `aud` (MCP: a token must have been issued
  // for this resource). false: one without `aud` is accepted (a present one must still match).
  bool introspection_requires_audience = true;
  std::vector<std::string> roles_claims{"realm_access.roles", "roles", "groups"};
  std::vector<std::string> scope_claims{"scope", "scp"};
  std::string subject_claim = "sub";
  bool advertise = true;  // listed in the protected resource metadata's authorization_servers
  int line = 0;
};

// A service account's key, stored as the SHA-256 (hex) of the key.
struct ApiKeySettings {
  std::string name;  // becomes the subject
  std::string sha256_hex;
  std::vector<std::string> roles;  // gateway roles directly ("admin", "user")
  std::vector<std::string> scopes;
};

// The `auth:` section of the config.
struct Settings {
  bool enabled = false;               // false when there is no `auth:` section
  std::string resource;               // this gateway's resource id (RFC 8707), the expected aud
  std::string resource_metadata_url;  // default: derived from `resource` (RFC 9728 §3.1)
  std::string resource_name;
  std::vector<IssuerSettings> issuers;
  std::vector<ApiKeySettings> api_keys;
  std::vector<std::string> required_scopes;                       // needed for every request
  std::map<std::string, std::vector<std::string>> method_scopes;  // "tools/call" -> scopes
  std::map<std::string, std::vector<std::string>> tool_scopes;    // tool name or "prefix*"
  std::vector<std::string> scopes_supported;  // default: every scope named above
  // Gateway role -> the raw role values that grant it, e.g. admin: [gateway-admin].
  std::map<std::string, std::vector<std::string>> role_mapping{{"admin", {"admin"}},
                                                               {"user", {"user"}}};
  std::vector<std::string> algorithms{"RS256", "RS384", "RS512", "PS256",
                                      "ES256", "ES384", "EdDSA"};
  std::chrono::seconds leeway{60};
  std::size_t max_token_bytes = 8192;
  std::size_t cache_max_entries = 10000;
  std::chrono::seconds cache_max_ttl{3600};
  std::chrono::seconds jwks_refresh_interval{600};     // background refresh
  std::chrono::seconds jwks_min_refresh_interval{30};  // rate limit for unknown-kid refreshes
  std::chrono::milliseconds http_timeout{5000};
  std::string tls_ca_file;  // extra CA bundle for https fetches; empty: system store
};

// Parses the `auth:` node (may be null/undefined: auth disabled). Throws config::ConfigError
// naming the key and line.
Settings load_settings(const YAML::Node& auth_section);
// Convenience: reads the `auth:` key of the whole config document.
Settings load_config(const YAML::Node& document);

// An Authorization header split into its scheme and credentials, spaces around them trimmed.
struct AuthorizationParts {
  std::string_view scheme, token;
};
AuthorizationParts split_authorization(std::string_view header);
// The token of a `Bearer` header (scheme in any case); empty for other schemes.
std::string_view bearer_token(std::string_view header);

class Engine;

class Authenticator {
 public:
  // io: where completion callbacks of asynchronous verifications are posted.
  Authenticator(Settings settings, asio::io_context& io);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // Verifies the Authorization header (may be empty). Calls done exactly once, on io's thread.
  // When !enabled() every request is accepted as scheme "none", subject "anonymous".
  // Cache hits, API keys and JWTs whose keys are known complete before returning; introspection
  // and JWKS fetches happen on the background thread and post the completion to io.
  void authenticate(std::string_view authorization_header, std::function<void(Outcome)> done);

  // 403 insufficient_scope if the identity lacks the scopes the method (and tool) needs.
  Outcome check_scopes(const Identity& identity, std::string_view mcp_method,
                       std::string_view tool_name) const;

  // RFC 9728 document for /.well-known/oauth-protected-resource[/path].
  std::string protected_resource_metadata() const;
  // The paths the metadata is served at, e.g. {"/.well-known/oauth-protected-resource/mcp",
  // "/.well-known/oauth-protected-resource"}.
  std::vector<std::string> metadata_paths() const;

  bool enabled() const;
  void start();  // background thread: JWKS prefetch and refresh, introspection
  void stop();   // joins it; pending asynchronous verifications complete with 401

 private:
  std::shared_ptr<Engine> engine_;
};

}  // namespace mcpgw::auth
