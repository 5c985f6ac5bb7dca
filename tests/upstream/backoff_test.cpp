#include "upstream/backoff.h"

#include <gtest/gtest.h>

namespace mcpgw::upstream {
namespace {
using ms = std::chrono::milliseconds;

TEST(Backoff, DoublesUpToTheCapWithoutJitter) {
  Backoff b(ms(100), ms(1000), 0.0);
  EXPECT_EQ(b.next(), ms(100));
  EXPECT_EQ(b.next(), ms(200));
  EXPECT_EQ(b.next(), ms(400));
  EXPECT_EQ(b.next(), ms(800));
  EXPECT_EQ(b.next(), ms(1000));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(b.next(), ms(1000));
  EXPECT_EQ(b.attempts(), 105);
}

TEST(Backoff, ResetStartsOver) {
  Backoff b(ms(50), ms(10000), 0.0);
  b.next();
  b.next();
  b.reset();
  EXPECT_EQ(b.attempts(), 0);
  EXPECT_EQ(b.next(), ms(50));
}

TEST(Backoff, JitterStaysWithinItsFractionAndVaries) {
  Backoff b(ms(1000), ms(1000), 0.25, 42);
  bool varied = false;
  ms first = b.next();
  for (int i = 0; i < 200; ++i) {
    ms d = b.next();
    EXPECT_GE(d, ms(750));
    EXPECT_LE(d, ms(1250));
    varied |= d != first;
  }
  EXPECT_TRUE(varied);
}

TEST(Backoff, RejectsNonsense) {
  EXPECT_THROW(Backoff(ms(0), ms(10)), std::invalid_argument);
  EXPECT_THROW(Backoff(ms(100), ms(10)), std::invalid_argument);
  EXPECT_THROW(Backoff(ms(10), ms(100), 1.5), std::invalid_argument);
  EXPECT_THROW(Backoff(ms(10), ms(100), -0.1), std::invalid_argument);
}

}  // namespace
}  // namespace mcpgw::upstream
