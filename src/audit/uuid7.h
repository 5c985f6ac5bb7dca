// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter that keeps ids from
// one generator strictly increasing within a millisecond, then 62 random bits.
#pragma once
#include <cstdint>
#include <random>
#include <string>

namespace mcpgw::audit {

class Uuid7Generator {
 public:
  Uuid7Generator();
  // Not thread-safe: the recorder calls it under its queue lock, so ids follow queue order.
  std::string next(int64_t unix_ms);

 private:
  int64_t last_ms_ = -1;
  uint32_t counter_ = 0;
  std::mt19937_64 rng_;
};

// True for the canonical lower-case 8-4-4-4-12 form with version 7 and the RFC variant.
bool is_uuid7(const std::string& s);

}  // namespace mcpgw::audit
