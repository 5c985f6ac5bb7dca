// The Authenticator's implementation, shared with callbacks posted to the io_context and the
// background worker so that neither outlives it.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/authenticator.h"
#include "auth/issuer_keys.h"
#include "auth/jwt.h"
#include "auth/token_cache.h"
#include "auth/worker.h"

namespace mcpgw::auth {

class Engine : public std::enable_shared_from_this<Engine> {
 public:
  Engine(Settings settings, asio::io_context& io);
  using Done = std::function<void(Outcome)>;

  void authenticate(std::string_view header, Done done);
  Outcome check_scopes(const Identity& identity, std::string_view method,
                       std::string_view tool) const;
  const Settings& settings() const { return settings_; }
  void start();
  void stop();
  TokenCache& cache() { return cache_; }

 private:
  void verify_jwt(std::string token, TokenDigest digest, bool may_refresh, Done done);
  void introspect(std::string token, TokenDigest digest, Done done);
  // Runs `task` on the worker and then `then` on the io thread; fails closed if the worker
  // cannot take it.
  void off_thread(std::function<void()> task, std::function<void()> then, Done fail);
  Outcome invalid(std::string reason) const;
  Outcome accept(std::shared_ptr<Identity> identity, const TokenDigest& digest,
                 std::chrono::system_clock::time_point expires);
  IssuerKeys* find_issuer(const std::string& iss);
  void refresh_all(bool forced);

  Settings settings_;
  asio::io_context& io_;
  std::vector<std::unique_ptr<IssuerKeys>> issuers_;
  std::unordered_map<std::string, std::shared_ptr<const Identity>> api_keys_;  // sha256 hex
  TokenCache cache_;
  Worker worker_;
};

}  // namespace mcpgw::auth
