// One trusted issuer's signing keys and endpoints. Keys are read on the io thread and replaced
// by the background thread; a failed refresh keeps the keys already known (JWKS outage).
#pragma once
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "auth/authenticator.h"
#include "auth/http_fetch.h"
#include "auth/jwk.h"

namespace mcpgw::auth {

class IssuerKeys {
 public:
  IssuerKeys(IssuerSettings settings, const Settings& global);

  const IssuerSettings& settings() const { return settings_; }
  // Current keys; null if none were ever loaded.
  std::shared_ptr<const KeySet> keys() const;
  // True if a fetch may start now (the unknown-kid rate limit allows it).
  bool refresh_allowed(std::chrono::steady_clock::time_point now) const;

  // Background thread only. Fetches discovery (once) and the JWKS. `forced` refreshes (unknown
  // kid) honour the rate limit; on failure the old keys stay. Returns an error text or "".
  std::string refresh(bool forced);
  // Background thread only. The RFC 7662 endpoint (configured or discovered), or "".
  std::string introspection_endpoint();
  bool remote() const { return settings_.jwks_file.empty(); }

 private:
  std::string discover();  // fills jwks_uri_/introspection_endpoint_; returns error or ""
  HttpRequest get(const std::string& url) const;

  IssuerSettings settings_;
  std::chrono::milliseconds http_timeout_;
  std::chrono::seconds min_refresh_interval_;
  std::string ca_file_;

  mutable std::mutex mutex_;
  std::shared_ptr<const KeySet> keys_;
  std::chrono::steady_clock::time_point last_attempt_{};
  bool attempted_ = false;

  // Background thread only.
  bool discovered_ = false;
  std::string jwks_uri_, introspection_endpoint_;
};

}  // namespace mcpgw::auth
