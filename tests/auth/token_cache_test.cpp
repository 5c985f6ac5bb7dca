#include "auth/token_cache.h"

#include <gtest/gtest.h>

namespace mcpgw::auth {
namespace {

using Clock = std::chrono::system_clock;

std::shared_ptr<const Identity> named(std::string sub) {
  auto id = std::make_shared<Identity>();
  id->subject = std::move(sub);
  return id;
}

TEST(TokenCache, FindsUntilExpiry) {
  TokenCache cache(10);
  auto now = Clock::now();
  auto key = digest_token("token-a");
  cache.insert(key, named("alice"), now + std::chrono::seconds(10));
  ASSERT_TRUE(cache.find(key, now));
  EXPECT_EQ(cache.find(key, now)->subject, "alice");
  EXPECT_FALSE(cache.find(key, now + std::chrono::seconds(10)));
  EXPECT_FALSE(cache.find(digest_token("token-b"), now));
}

TEST(TokenCache, DigestDiffersPerToken) {
  EXPECT_NE(digest_token("a"), digest_token("b"));
  EXPECT_EQ(digest_token("a"), digest_token("a"));
}

TEST(TokenCache, BoundedSizeEvictsExpiredFirst) {
  TokenCache cache(3);
  auto now = Clock::now();
  cache.insert(digest_token("old"), named("old"), now - std::chrono::seconds(1));
  cache.insert(digest_token("b"), named("b"), now + std::chrono::hours(1));
  cache.insert(digest_token("c"), named("c"), now + std::chrono::hours(1));
  cache.insert(digest_token("d"), named("d"), now + std::chrono::hours(1));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.find(digest_token("b"), now));
  EXPECT_TRUE(cache.find(digest_token("c"), now));
  EXPECT_TRUE(cache.find(digest_token("d"), now));
  for (int i = 0; i < 20; ++i)
    cache.insert(digest_token("t" + std::to_string(i)), named("x"), now + std::chrono::hours(1));
  EXPECT_EQ(cache.size(), 3u);
}

}  // namespace
}  // namespace mcpgw::auth
