// Parsing and validation of the `auth:` config section.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>

#include "auth/authenticator.h"
#include "auth/duration.h"
#include "auth/signature.h"
#include "ops/config.h"

namespace mcpgw::auth {
namespace {

[[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& msg) {
  throw config::ConfigError::at(key, node, msg);
}

void check_keys(const YAML::Node& map, const std::string& path, std::set<std::string> allowed) {
  if (!map.IsMap()) fail(map, path, "must be a mapping");
  for (const auto& kv : map) {
    auto key = kv.first.as<std::string>();
    if (!allowed.count(key)) fail(kv.first, path + "." + key, "unknown key");
  }
}

std::string scalar(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) fail(node, key, "must be a string");
  return node.as<std::string>();
}

// "${env:NAME}" -> the variable's value (secrets stay out of the file).
std::string secret(const YAML::Node& node, const std::string& key) {
  std::string v = scalar(node, key);
  if (v.rfind("${env:", 0) == 0 && v.back() == '}') {
    std::string name = v.substr(6, v.size() - 7);
    const char* value = std::getenv(name.c_str());
    if (!value) fail(node, key, "environment variable " + name + " is not set");
    return value;
  }
  return v;
}

std::string url(const YAML::Node& node, const std::string& key) {
  std::string v = scalar(node, key);
  if (v.rfind("https://", 0) != 0 && v.rfind("http://", 0) != 0)
    fail(node, key, "must be an http:// or https:// URL, got '" + v + "'");
  return v;
}

std::vector<std::string> string_list(const YAML::Node& node, const std::string& key) {
  std::vector<std::string> out;
  if (node.IsScalar()) return {node.as<std::string>()};
  if (!node.IsSequence()) fail(node, key, "must be a list of strings");
  for (std::size_t i = 0; i < node.size(); ++i)
    out.push_back(scalar(node[i], key + "[" + std::to_string(i) + "]"));
  return out;
}

std::chrono::seconds seconds(const YAML::Node& node, const std::string& key) {
  auto d = parse_duration(scalar(node, key));
  if (!d) fail(node, key, "must be a duration like 30s, 10m, 1h");
  return std::chrono::duration_cast<std::chrono::seconds>(*d);
}

std::size_t positive(const YAML::Node& node, const std::string& key) {
  std::string v = scalar(node, key);
  if (v.empty() || !std::all_of(v.begin(), v.end(), ::isdigit) || v.size() > 12 ||
      std::stoull(v) == 0)
    fail(node, key, "must be a positive integer");
  return std::stoull(v);
}

std::map<std::string, std::vector<std::string>> list_map(const YAML::Node& node,
                                                         const std::string& key) {
  if (!node.IsMap()) fail(node, key, "must be a mapping of name to list of strings");
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& kv : node) {
    auto name = kv.first.as<std::string>();
    out[name] = string_list(kv.second, key + "." + name);
  }
  return out;
}

IssuerSettings load_issuer(const YAML::Node& node, const std::string& path) {
  check_keys(node, path,
             {"issuer", "jwks_uri", "jwks_file", "introspection_endpoint", "client_id",
              "client_secret", "audiences", "roles_claim", "roles_claims", "scope_claims",
              "subject_claim", "advertise", "introspection_requires_audience"});
  IssuerSettings is;
  is.line = node.Mark().line + 1;
  if (!node["issuer"]) fail(node, path + ".issuer", "required");
  is.issuer = scalar(node["issuer"], path + ".issuer");
  if (is.issuer.empty()) fail(node["issuer"], path + ".issuer", "must not be empty");
  if (auto n = node["jwks_uri"]) is.jwks_uri = url(n, path + ".jwks_uri");
  if (auto n = node["jwks_file"]) is.jwks_file = scalar(n, path + ".jwks_file");
  if (auto n = node["introspection_endpoint"])
    is.introspection_endpoint = url(n, path + ".introspection_endpoint");
  if (auto n = node["client_id"]) is.client_id = scalar(n, path + ".client_id");
  if (auto n = node["client_secret"]) is.client_secret = secret(n, path + ".client_secret");
  if (auto n = node["audiences"]) is.audiences = string_list(n, path + ".audiences");
  if (auto n = node["roles_claim"]) is.roles_claims = string_list(n, path + ".roles_claim");
  if (auto n = node["roles_claims"]) is.roles_claims = string_list(n, path + ".roles_claims");
  if (auto n = node["scope_claims"]) is.scope_claims = string_list(n, path + ".scope_claims");
  if (auto n = node["subject_claim"]) is.subject_claim = scalar(n, path + ".subject_claim");
  if (auto n = node["advertise"]) {
    std::string v = scalar(n, path + ".advertise");
    if (v != "true" && v != "false") fail(n, path + ".advertise", "must be true or false");
    is.advertise = v == "true";
  }
  if (auto n = node["introspection_requires_audience"]) {
    std::string key = path + ".introspection_requires_audience";
    std::string v = scalar(n, key);
    if (v != "true" && v != "false") fail(n, key, "must be true or false");
    is.introspection_requires_audience = v == "true";
  }
  if (!is.jwks_uri.empty() && !is.jwks_file.empty())
    fail(node, path, "set jwks_uri or jwks_file, not both");
  if (!is.jwks_file.empty() && is.issuer.rfind("http", 0) != 0 && !node["advertise"])
    is.advertise = false;  // a local development issuer is not an authorization server
  if (is.jwks_uri.empty() && is.jwks_file.empty() && is.issuer.rfind("http", 0) != 0)
    fail(node["issuer"], path + ".issuer",
         "is not a URL, so its keys cannot be discovered: set jwks_uri or jwks_file");
  if (!is.introspection_endpoint.empty() && is.client_id.empty())
    fail(node, path + ".client_id", "required with introspection_endpoint");
  return is;
}

ApiKeySettings load_api_key(const YAML::Node& node, const std::string& path) {
  check_keys(node, path, {"name", "sha256", "roles", "scopes"});
  ApiKeySettings key;
  if (!node["name"]) fail(node, path + ".name", "required");
  key.name = scalar(node["name"], path + ".name");
  if (!node["sha256"]) fail(node, path + ".sha256", "required (hex SHA-256 of the key)");
  key.sha256_hex = scalar(node["sha256"], path + ".sha256");
  std::transform(key.sha256_hex.begin(), key.sha256_hex.end(), key.sha256_hex.begin(), ::tolower);
  if (key.sha256_hex.size() != 64 ||
      !std::all_of(key.sha256_hex.begin(), key.sha256_hex.end(), ::isxdigit))
    fail(node["sha256"], path + ".sha256", "must be 64 hex digits (sha256sum of the key)");
  if (auto n = node["roles"]) key.roles = string_list(n, path + ".roles");
  if (auto n = node["scopes"]) key.scopes = string_list(n, path + ".scopes");
  return key;
}

}  // namespace

Settings load_settings(const YAML::Node& node) {
  Settings s;
  if (!node.IsDefined() || node.IsNull()) return s;
  check_keys(node, "auth",
             {"resource",
              "resource_metadata_url",
              "resource_name",
              "issuers",
              "api_keys",
              "required_scopes",
              "method_scopes",
              "tool_scopes",
              "scopes_supported",
              "role_mapping",
              "algorithms",
              "leeway",
              "max_token_bytes",
              "cache_max_entries",
              "cache_max_ttl",
              "jwks_refresh_interval",
              "jwks_min_refresh_interval",
              "http_timeout",
              "tls_ca_file",
              "upstreams"});
  s.enabled = true;
  if (!node["resource"])
    fail(node, "auth.resource", "required (this gateway's URL, e.g. http://127.0.0.1:8080/mcp)");
  s.resource = url(node["resource"], "auth.resource");
  if (auto n = node["resource_metadata_url"])
    s.resource_metadata_url = url(n, "auth.resource_metadata_url");
  if (auto n = node["resource_name"]) s.resource_name = scalar(n, "auth.resource_name");
  if (auto n = node["issuers"]) {
    if (!n.IsSequence()) fail(n, "auth.issuers", "must be a list");
    for (std::size_t i = 0; i < n.size(); ++i)
      s.issuers.push_back(load_issuer(n[i], "auth.issuers[" + std::to_string(i) + "]"));
  }
  if (auto n = node["api_keys"]) {
    if (!n.IsSequence()) fail(n, "auth.api_keys", "must be a list");
    for (std::size_t i = 0; i < n.size(); ++i)
      s.api_keys.push_back(load_api_key(n[i], "auth.api_keys[" + std::to_string(i) + "]"));
  }
  if (s.issuers.empty() && s.api_keys.empty())
    fail(node, "auth", "needs at least one entry in issuers or api_keys");
  if (auto n = node["required_scopes"]) s.required_scopes = string_list(n, "auth.required_scopes");
  if (auto n = node["method_scopes"]) s.method_scopes = list_map(n, "auth.method_scopes");
  if (auto n = node["tool_scopes"]) s.tool_scopes = list_map(n, "auth.tool_scopes");
  if (auto n = node["role_mapping"]) {
    s.role_mapping = list_map(n, "auth.role_mapping");
    for (const auto& [role, _] : s.role_mapping)
      if (role != "admin" && role != "user")
        fail(n, "auth.role_mapping." + role, "gateway roles are admin and user");
  }
  if (auto n = node["algorithms"]) {
    s.algorithms = string_list(n, "auth.algorithms");
    for (const auto& alg : s.algorithms)
      if (!is_known_asymmetric_alg(alg))
        fail(n, "auth.algorithms",
             "'" + alg + "' is not allowed (RS256/384/512, PS256/384/512, ES256/384, EdDSA)");
  }
  if (auto n = node["scopes_supported"]) {
    s.scopes_supported = string_list(n, "auth.scopes_supported");
  } else {
    std::set<std::string> all(s.required_scopes.begin(), s.required_scopes.end());
    for (const auto& [_, v] : s.method_scopes) all.insert(v.begin(), v.end());
    for (const auto& [_, v] : s.tool_scopes) all.insert(v.begin(), v.end());
    s.scopes_supported.assign(all.begin(), all.end());
  }
  if (auto n = node["leeway"]) s.leeway = seconds(n, "auth.leeway");
  if (auto n = node["max_token_bytes"]) s.max_token_bytes = positive(n, "auth.max_token_bytes");
  if (auto n = node["cache_max_entries"])
    s.cache_max_entries = positive(n, "auth.cache_max_entries");
  if (auto n = node["cache_max_ttl"]) s.cache_max_ttl = seconds(n, "auth.cache_max_ttl");
  if (auto n = node["jwks_refresh_interval"])
    s.jwks_refresh_interval = seconds(n, "auth.jwks_refresh_interval");
  if (auto n = node["jwks_min_refresh_interval"])
    s.jwks_min_refresh_interval = seconds(n, "auth.jwks_min_refresh_interval");
  if (auto n = node["http_timeout"]) {
    auto d = parse_duration(scalar(n, "auth.http_timeout"));
    if (!d || d->count() <= 0) fail(n, "auth.http_timeout", "must be a duration like 500ms or 5s");
    s.http_timeout = *d;
  }
  if (auto n = node["tls_ca_file"]) {
    s.tls_ca_file = scalar(n, "auth.tls_ca_file");
    // Found now rather than as a failed key fetch after start.
    if (!std::ifstream(s.tls_ca_file)) fail(n, "auth.tls_ca_file", "cannot read " + s.tls_ca_file);
  }
  return s;
}

Settings load_config(const YAML::Node& document) {
  if (!document.IsMap()) return Settings{};
  return load_settings(document["auth"]);
}

}  // namespace mcpgw::auth
