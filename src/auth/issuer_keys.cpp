#include "auth/issuer_keys.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "auth/http_fetch.h"
#include "ops/config.h"

namespace mcpgw::auth {
namespace {

// RFC 8414 §3.1: the well-known segment goes between host and path; then OpenID discovery.
std::vector<std::string> discovery_urls(const std::string& issuer) {
  std::string base = issuer;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::vector<std::string> urls;
  auto scheme_end = base.find("://");
  auto path_start =
      scheme_end == std::string::npos ? std::string::npos : base.find('/', scheme_end + 3);
  if (path_start == std::string::npos) {
    urls.push_back(base + "/.well-known/oauth-authorization-server");
  } else {
    urls.push_back(base.substr(0, path_start) + "/.well-known/oauth-authorization-server" +
                   base.substr(path_start));
  }
  urls.push_back(base + "/.well-known/openid-configuration");
  return urls;
}

// The issuer's key path for a configuration error, auth.issuers[i]: its place among the
// configured issuers (`is` is a copy of one of them).
std::string config_key(const IssuerSettings& is, const Settings& global) {
  for (std::size_t i = 0; i < global.issuers.size(); ++i)
    if (global.issuers[i].issuer == is.issuer && global.issuers[i].line == is.line)
      return "auth.issuers[" + std::to_string(i) + "]";
  return "auth.issuers";
}

}  // namespace

IssuerKeys::IssuerKeys(IssuerSettings settings, const Settings& global)
    : settings_(std::move(settings)),
      http_timeout_(global.http_timeout),
      min_refresh_interval_(global.jwks_min_refresh_interval),
      ca_file_(global.tls_ca_file),
      jwks_uri_(settings_.jwks_uri),
      introspection_endpoint_(settings_.introspection_endpoint) {
  if (!settings_.jwks_file.empty()) {
    std::ifstream in(settings_.jwks_file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      throw config::ConfigError::at(config_key(settings_, global), settings_.line,
                                    "jwks_file " + settings_.jwks_file + " cannot be read");
    }
    try {
      keys_ = std::make_shared<const KeySet>(parse_jwks(text.str()));
    } catch (const std::exception& e) {
      throw config::ConfigError::at(config_key(settings_, global), settings_.line,
                                    "jwks_file " + settings_.jwks_file + ": " + e.what());
    }
  }
  if (!jwks_uri_.empty() && (!introspection_endpoint_.empty() || settings_.client_id.empty()))
    discovered_ = true;  // everything needed is configured
}

std::shared_ptr<const KeySet> IssuerKeys::keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

bool IssuerKeys::refresh_allowed(std::chrono::steady_clock::time_point now) const {
  if (!remote()) return false;
  std::lock_guard lock(mutex_);
  return !attempted_ || now - last_attempt_ >= min_refresh_interval_;
}

HttpRequest IssuerKeys::get(const std::string& url) const {
  HttpRequest req;
  req.url = url;
  req.timeout = http_timeout_;
  req.ca_file = ca_file_;
  return req;
}

std::string IssuerKeys::discover() {
  if (discovered_) return "";
  std::string errors;
  for (const auto& url : discovery_urls(settings_.issuer)) {
    auto response = http_fetch(get(url));
    if (response.status != 200) {
      errors +=
          url + ": " +
          (response.error.empty() ? "HTTP " + std::to_string(response.status) : response.error) +
          "; ";
      continue;
    }
    auto meta = nlohmann::json::parse(response.body, nullptr, false);
    if (!meta.is_object() || meta.value("issuer", "") != settings_.issuer) {
      errors += url + ": metadata issuer does not match; ";
      continue;
    }
    if (jwks_uri_.empty()) jwks_uri_ = meta.value("jwks_uri", "");
    if (introspection_endpoint_.empty())
      introspection_endpoint_ = meta.value("introspection_endpoint", "");
    discovered_ = true;
    return "";
  }
  return "discovery failed: " + errors;
}

std::string IssuerKeys::refresh(bool forced) {
  if (!remote()) return "";
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (forced && attempted_ && now - last_attempt_ < min_refresh_interval_) return "";
    attempted_ = true;
    last_attempt_ = now;
  }
  if (auto error = discover(); !error.empty()) return error;
  if (jwks_uri_.empty()) return "issuer metadata names no jwks_uri";
  auto response = http_fetch(get(jwks_uri_));
  if (response.status != 200)
    return "JWKS " + jwks_uri_ + ": " +
           (response.error.empty() ? "HTTP " + std::to_string(response.status) : response.error);
  try {
    auto set = std::make_shared<const KeySet>(parse_jwks(response.body));
    for (const auto& skipped : set->skipped)
      spdlog::warn("auth: issuer {}: ignoring JWKS key {}", settings_.issuer, skipped);
    std::lock_guard lock(mutex_);
    keys_ = std::move(set);
  } catch (const std::exception& e) {
    return "JWKS " + jwks_uri_ + ": " + e.what();
  }
  return "";
}

std::string IssuerKeys::introspection_endpoint() {
  if (settings_.client_id.empty()) return "";
  discover();
  return introspection_endpoint_;
}

}  // namespace mcpgw::auth
