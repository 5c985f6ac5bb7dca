// RFC 8693 token exchange on behalf of the user (auth.upstreams.X.grant: token_exchange): the
// gateway presents a client's access token (the subject token) at the token endpoint and gets a
// token for the upstream's resource that names the user, which it sends upstream instead of the
// client's own. One TokenExchange per upstream server; every client session asks it for its own
// subject token.
//
// Exchanged tokens are cached by SHA-256 of the subject token until they expire (at most
// max_entries of them: expired ones go first, then the one that expires soonest). The subject
// token is never stored: a queued exchange holds a copy until it has run. Exchanges run on the
// auth Worker's threads, never on the event loop: those of different subject tokens at once, up
// to settings.max_concurrent_exchanges of them (so one slow answer of the IdP does not hold up
// every other user), the rest wait in a queue of max_queue.
#pragma once
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/token_cache.h"
#include "auth/upstream_credentials.h"
#include "auth/worker.h"

namespace mcpgw::auth {

inline constexpr const char* kTokenExchangeGrant =
    "urn:ietf:params:oauth:grant-type:token-exchange";
inline constexpr const char* kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

class TokenExchange {
 public:
  explicit TokenExchange(ClientCredentialsSettings settings, std::size_t max_entries = 10000,
                         std::size_t max_queue = 1024);
  ~TokenExchange();
  void start();
  void stop();  // waits for running exchanges; queued ones end without a token; all callers told

  // "Bearer <token>" obtained for the subject token with this digest, if cached and not expired;
  // else nullopt with `why_not` (not yet exchanged, or why the last exchange failed). Never waits.
  std::optional<std::string> authorization(const TokenDigest& subject, std::string& why_not) const;
  // Asks for an exchange of `subject_token` because there is no token for it or an upstream
  // refused `rejected` (a value authorization() gave). Never blocks. `done` is called once, on
  // a worker thread or at once, when a token other than `rejected` is at hand or the exchange
  // ended. Concurrent asks for one subject share one exchange; a subject exchanged (or refused)
  // less than min_refresh_interval ago is not exchanged again yet (done at once): an upstream
  // that refuses every token costs at most one exchange per interval, not one per call.
  void request(const std::string& subject_token, const std::string& rejected,
               std::function<void()> done);
  // One exchange now, on the calling thread (what the worker does). Returns an error or "".
  std::string exchange_now(const std::string& subject_token);

  std::size_t size() const;
  const ClientCredentialsSettings& settings() const { return settings_; }

 private:
  struct Hash {
    std::size_t operator()(const TokenDigest& d) const {
      std::size_t h;
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  struct Entry {
    std::string token, error;  // the exchanged token, or why the last exchange failed
    std::chrono::system_clock::time_point expires{};
    std::chrono::steady_clock::time_point attempted{};
    bool exchanging = false;
    std::vector<std::function<void()>> waiting;
  };
  Entry& entry_locked(const TokenDigest& key);
  void finish(const TokenDigest& key);

  ClientCredentialsSettings settings_;
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<TokenDigest, Entry, Hash> entries_;
  Worker worker_;
};

}  // namespace mcpgw::auth
