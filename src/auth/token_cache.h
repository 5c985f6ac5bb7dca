// Verified tokens by SHA-256 of the token, until they expire: the steady-state cost of
// authentication is one hash and one lookup. The token itself is never stored.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "auth/authenticator.h"

namespace mcpgw::auth {

using TokenDigest = std::array<uint8_t, 32>;
TokenDigest digest_token(std::string_view token);

class TokenCache {
 public:
  explicit TokenCache(std::size_t max_entries) : max_entries_(max_entries) {}

  // The identity, if present and not expired at `now`.
  std::shared_ptr<const Identity> find(const TokenDigest& key,
                                       std::chrono::system_clock::time_point now) const;
  // Keeps `identity` until `until`. When full, expired entries go first, then arbitrary ones.
  void insert(const TokenDigest& key, std::shared_ptr<const Identity> identity,
              std::chrono::system_clock::time_point until);
  std::size_t size() const;

 private:
  struct DigestHash {
    std::size_t operator()(const TokenDigest& d) const {
      std::size_t h;  // SHA-256 output is uniform: its first bytes are a good hash
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  struct Entry {
    std::shared_ptr<const Identity> identity;
    std::chrono::system_clock::time_point until;
  };
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<TokenDigest, Entry, DigestHash> entries_;
};

}  // namespace mcpgw::auth
