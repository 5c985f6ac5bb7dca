#include "auth/token_cache.h"

#include <openssl/sha.h>

namespace mcpgw::auth {

TokenDigest digest_token(std::string_view token) {
  TokenDigest d;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), d.data());
  return d;
}

std::shared_ptr<const Identity> TokenCache::find(const TokenDigest& key,
                                                 std::chrono::system_clock::time_point now) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.until <= now) return nullptr;
  return it->second.identity;
}

void TokenCache::insert(const TokenDigest& key, std::shared_ptr<const Identity> identity,
                        std::chrono::system_clock::time_point until) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_ && !entries_.count(key)) {
    auto now = std::chrono::system_clock::now();
    std::erase_if(entries_, [&](const auto& kv) { return kv.second.until <= now; });
    while (entries_.size() >= max_entries_) entries_.erase(entries_.begin());
  }
  entries_[key] = Entry{std::move(identity), until};
}

std::size_t TokenCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace mcpgw::auth
