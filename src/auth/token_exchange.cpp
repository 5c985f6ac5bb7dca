#include "auth/token_exchange.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace mcpgw::auth {

namespace {

using std::chrono::steady_clock;
using std::chrono::system_clock;

// How long the reason of a failed exchange is kept for a subject that nobody asks about again.
constexpr auto kFailureMemory = std::chrono::minutes(1);

}  // namespace

TokenExchange::TokenExchange(ClientCredentialsSettings settings, std::size_t max_entries,
                             std::size_t max_queue)
    : settings_(std::move(settings)),
      max_entries_(std::max<std::size_t>(1, max_entries)),
      worker_(
          std::chrono::minutes(1),
          [this] {
            // Forget expired tokens and old failures (a cache bounded in time as well as in size).
            std::lock_guard lock(mutex_);
            auto now = system_clock::now();
            auto now_steady = steady_clock::now();
            std::erase_if(entries_, [&](const auto& kv) {
              const Entry& e = kv.second;
              if (e.exchanging || !e.waiting.empty()) return false;
              return e.token.empty() ? now_steady - e.attempted > kFailureMemory : e.expires <= now;
            });
          },
          max_queue, settings_.max_concurrent_exchanges) {}

TokenExchange::~TokenExchange() {
  stop();
}

void TokenExchange::start() {
  worker_.start();
}

void TokenExchange::stop() {
  worker_.stop();  // cancelled tasks call finish(): their callers are told
}

std::size_t TokenExchange::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::optional<std::string> TokenExchange::authorization(const TokenDigest& subject,
                                                        std::string& why_not) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(subject);
  if (it != entries_.end() && !it->second.token.empty() && system_clock::now() < it->second.expires)
    return "Bearer " + it->second.token;
  const std::string& from = settings_.token_endpoint;
  if (it == entries_.end() || (it->second.error.empty() && it->second.token.empty()))
    why_not = "no token from " + from + " yet for the user's token exchange";
  else if (!it->second.error.empty())
    why_not = "token exchange at " + from + " failed: " + it->second.error;
  else
    why_not = "the token exchanged at " + from + " expired";
  return std::nullopt;
}

TokenExchange::Entry& TokenExchange::entry_locked(const TokenDigest& key) {
  if (auto it = entries_.find(key); it != entries_.end()) return it->second;
  if (entries_.size() >= max_entries_) {
    auto now = system_clock::now();
    auto idle = [](const Entry& e) { return !e.exchanging && e.waiting.empty(); };
    std::erase_if(entries_, [&](const auto& kv) {
      return idle(kv.second) && (kv.second.token.empty() || kv.second.expires <= now);
    });
    // Still full: the idle entry that expires soonest goes.
    auto victim = entries_.end();
    for (auto it = entries_.begin(); entries_.size() >= max_entries_ && it != entries_.end(); ++it)
      if (idle(it->second) &&
          (victim == entries_.end() || it->second.expires < victim->second.expires))
        victim = it;
    if (victim != entries_.end()) entries_.erase(victim);
  }
  return entries_[key];
}

void TokenExchange::request(const std::string& subject_token, const std::string& rejected,
                            std::function<void()> done) {
  TokenDigest key = digest_token(subject_token);
  {
    std::lock_guard lock(mutex_);
    Entry& e = entry_locked(key);
    bool valid = !e.token.empty() && system_clock::now() < e.expires;
    if (valid && "Bearer " + e.token != rejected) {
      // Another session of this user already renewed it.
    } else if (e.exchanging) {
      e.waiting.push_back(std::move(done));
      return;
    } else if (e.attempted != steady_clock::time_point{} &&
               steady_clock::now() - e.attempted < settings_.min_refresh_interval) {
      // Just exchanged, or just failed: an upstream that refuses every token (or an IdP that
      // refuses the exchange) does not cost a token request per call; the caller retries with
      // what there is, and a refusal's reason stays until the next attempt.
    } else {
      e.exchanging = true;
      e.waiting.push_back(std::move(done));
      bool queued = worker_.post([this, key, subject_token](bool cancelled) {
        if (!cancelled) {
          exchange_now(subject_token);
        } else {
          std::lock_guard lock(mutex_);
          if (auto it = entries_.find(key); it != entries_.end())
            it->second.error = "the gateway is shutting down";
        }
        finish(key);
      });
      if (queued) return;
      e.exchanging = false;
      e.error = "too many token exchanges waiting";
      done = [waiting = std::move(e.waiting)] {
        for (auto& d : waiting) d();
      };
      e.waiting.clear();
    }
  }
  done();
}

void TokenExchange::finish(const TokenDigest& key) {
  std::vector<std::function<void()>> waiting;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    it->second.exchanging = false;
    waiting.swap(it->second.waiting);
  }
  for (auto& done : waiting) done();
}

std::string TokenExchange::exchange_now(const std::string& subject_token) {
  TokenDigest key = digest_token(subject_token);
  {
    std::lock_guard lock(mutex_);
    Entry& e = entry_locked(key);
    e.attempted = steady_clock::now();
  }
  std::string grant = "grant_type=" + form_encode(kTokenExchangeGrant) +
                      "&subject_token=" + form_encode(subject_token) +
                      "&subject_token_type=" + form_encode(kAccessTokenType) +
                      "&requested_token_type=" + form_encode(kAccessTokenType);
  auto res = request_token(settings_, grant);
  if (!res.error.empty())
    spdlog::warn("token exchange at {}: {}", settings_.token_endpoint, res.error);
  std::lock_guard lock(mutex_);
  Entry& e = entry_locked(key);
  e.error = res.error;
  if (res.error.empty()) {
    e.token = std::move(res.access_token);
    e.expires = system_clock::now() + std::chrono::seconds(res.expires_in);
  } else {
    e.token.clear();  // a refused exchange also ends the last token's use
  }
  return e.error;
}

}  // namespace mcpgw::auth
