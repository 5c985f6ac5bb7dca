// Shared set-up for Authenticator tests: signing keys, a real JWKS (and discovery, and
// introspection) served over loopback HTTP, and a helper that runs one authentication on a
// test-owned io_context.
#pragma once
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "auth/authenticator.h"
#include "auth/signing_key.h"
#include "loopback_http_server.h"

namespace mcpgw::auth::testing {

inline const std::string kResource = "http://127.0.0.1:8080/mcp";
inline const std::string kMetadataUrl =
    "http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp";

inline long long unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What one authenticate() call produced, and where.
struct Result {
  Outcome outcome;
  int calls = 0;
  bool on_io_thread = false;
};

class AuthFixture : public ::testing::Test {
 protected:
  AuthFixture()
      : rsa_(SigningKey::generate("RS256")),
        es_(SigningKey::generate("ES256")),
        ed_(SigningKey::generate("EdDSA")),
        server_([this](const TestRequest& r) { return handle(r); }) {
    rsa_.set_kid("rsa-1");
    es_.set_kid("es-1");
    ed_.set_kid("ed-1");
    set_jwks({rsa_, es_, ed_});
  }

  void set_jwks(const std::vector<SigningKey>& keys) {
    nlohmann::json doc = {{"keys", nlohmann::json::array()}};
    for (const auto& k : keys) doc["keys"].push_back(k.public_jwk());
    std::lock_guard lock(mutex_);
    jwks_ = doc.dump();
  }

  virtual TestResponse handle(const TestRequest& r) {
    if (r.target == "/jwks") {
      std::lock_guard lock(mutex_);
      return {200, jwks_};
    }
    return {404, "{}"};
  }

  std::string issuer() const { return server_.base_url(); }

  // YAML for an issuer with a configured jwks_uri; extra lines appended under `auth:`.
  std::string yaml(const std::string& extra = "") const {
    return "auth:\n  resource: " + kResource + "\n  issuers:\n    - issuer: " + issuer() +
           "\n      jwks_uri: " + issuer() + "/jwks\n  required_scopes: [tools:read]\n" +
           "  method_scopes: {tools/call: [tools:call]}\n  jwks_min_refresh_interval: 0s\n" +
           "  http_timeout: 2s\n" + extra;
  }

  std::unique_ptr<Authenticator> make(const std::string& config) {
    auto a = std::make_unique<Authenticator>(load_config(YAML::Load(config)), io_);
    a->start();
    return a;
  }

  nlohmann::json claims(const std::string& sub = "alice") const {
    return {{"iss", issuer()},
            {"aud", kResource},
            {"sub", sub},
            {"scope", "tools:read tools:call"},
            {"roles", {"user"}},
            {"iat", unix_now()},
            {"exp", unix_now() + 600},
            {"jti", "id-" + sub}};
  }

  Result run(Authenticator& a, const std::string& header) {
    Result r;
    auto io_thread = std::this_thread::get_id();
    bool finished = false;
    a.authenticate(header, [&](Outcome o) {
      r.outcome = std::move(o);
      r.calls++;
      r.on_io_thread = std::this_thread::get_id() == io_thread;
      finished = true;
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!finished && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(5));
    }
    io_.restart();
    io_.poll();  // a second (wrong) call would show here
    return r;
  }

  // "Bearer <token>"
  static std::string bearer(const std::string& token) { return "Bearer " + token; }

  static std::string challenge(const std::string& description) {
    return "Bearer resource_metadata=\"" + kMetadataUrl +
           "\", scope=\"tools:read\", error=\"invalid_token\", error_description=\"" + description +
           "\"";
  }

  asio::io_context io_;
  SigningKey rsa_, es_, ed_;
  std::mutex mutex_;
  std::string jwks_;
  LoopbackHttpServer server_;
};

}  // namespace mcpgw::auth::testing
