// `mcp-gateway token`: mints an access token signed by the local development key, for trying
// the gateway without an identity provider. Development only: anyone with the key (it is in
// the repository) can mint any identity.
#include <openssl/rand.h>
#include <yaml-cpp/yaml.h>

#include <iostream>

#include "auth/authenticator.h"
#include "auth/base64url.h"
#include "auth/duration.h"
#include "auth/signing_key.h"
#include "cli/commands.h"

namespace mcpgw::cli {
namespace {

struct TokenOptions {
  std::string sub, ttl = "1h", key = "config/dev-keys/dev-rs256.pem", alg, iss = "mcp-gateway-dev",
                   aud, config, client_id = "mcp-gateway-token";
  std::vector<std::string> roles, scopes, jwks_keys;
  bool print_jwks = false;
};

// The audience: --aud, else the config's auth.resource, else the default listener's URL.
std::string audience(const TokenOptions& o) {
  if (!o.aud.empty()) return o.aud;
  if (!o.config.empty()) {
    auto settings = auth::load_config(YAML::LoadFile(o.config));
    if (settings.enabled) return settings.resource;
  }
  return "http://127.0.0.1:8080/mcp";
}

int print_jwks(const TokenOptions& o) {
  nlohmann::json doc = {{"keys", nlohmann::json::array()}};
  std::vector<std::string> files =
      o.jwks_keys.empty() ? std::vector<std::string>{o.key} : o.jwks_keys;
  for (const auto& file : files)
    doc["keys"].push_back(auth::SigningKey::load_pem_file(file).public_jwk());
  std::cout << doc.dump(2) << "\n";
  return 0;
}

int mint(const TokenOptions& o) {
  if (o.sub.empty()) {
    std::cerr << "error: --sub is required\n";
    return 2;
  }
  auto ttl = auth::parse_duration(o.ttl);
  if (!ttl || ttl->count() <= 0) {
    std::cerr << "error: --ttl must be a duration like 15m, 1h or 1d, got '" << o.ttl << "'\n";
    return 2;
  }
  for (const auto& role : o.roles) {
    if (role != "admin" && role != "user")
      std::cerr << "warning: role '" << role << "' is neither admin nor user; the default "
                << "role_mapping ignores it\n";
  }
  auto key = auth::SigningKey::load_pem_file(o.key, o.alg);
  std::string scope;
  for (const auto& s : o.scopes) scope += (scope.empty() ? "" : " ") + s;
  unsigned char rnd[12];
  RAND_bytes(rnd, sizeof rnd);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  nlohmann::json claims = {
      {"iss", o.iss},
      {"aud", audience(o)},
      {"sub", o.sub},
      {"client_id", o.client_id},
      {"roles", o.roles},
      {"scope", scope},
      {"iat", now},
      {"nbf", now},
      {"exp", now + std::chrono::duration_cast<std::chrono::seconds>(*ttl).count()},
      {"jti", auth::base64url_encode(std::string_view(reinterpret_cast<char*>(rnd), sizeof rnd))}};
  std::cerr << "WARNING: development token signed by " << o.key
            << ": for local testing only, never trust this key in production.\n";
  std::cout << key.mint(claims) << "\n";
  return 0;
}

}  // namespace

void add_token_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<TokenOptions>();
  auto* cmd = app.add_subcommand(
      "token", "Mint a development access token signed by the local development key (dev only)");
  cmd->add_option("--sub", opts->sub, "Subject (user name)");
  cmd->add_option("--role", opts->roles, "Role claim (admin or user); repeatable");
  cmd->add_option("--scope", opts->scopes, "Scope, e.g. tools:call; repeatable");
  cmd->add_option("--ttl", opts->ttl, "Lifetime, e.g. 15m, 1h (default), 1d");
  cmd->add_option("--key", opts->key, "PEM private key (default config/dev-keys/dev-rs256.pem)");
  cmd->add_option("--alg", opts->alg, "Signing algorithm (default from the key: RS256, EdDSA, …)");
  cmd->add_option("--iss", opts->iss, "Issuer (default mcp-gateway-dev)");
  cmd->add_option("--aud", opts->aud, "Audience (default: the config's auth.resource)");
  cmd->add_option("--config", opts->config, "Gateway config to take the audience from");
  cmd->add_option("--client-id", opts->client_id, "client_id claim");
  cmd->add_flag("--print-jwks", opts->print_jwks, "Print the public JWKS of --key (or --jwks-key)");
  cmd->add_option("--jwks-key", opts->jwks_keys,
                  "With --print-jwks: PEM keys to include; repeatable");
  cmd->callback([opts, &exit_code] {
    try {
      exit_code = opts->print_jwks ? print_jwks(*opts) : mint(*opts);
    } catch (const std::exception& e) {
      std::cerr << "error: " << e.what() << "\n";
      exit_code = 1;
    }
  });
}

}  // namespace mcpgw::cli
