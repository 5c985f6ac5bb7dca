// Delays between retries (restarting a dead server, reconnecting a dropped stream): doubling
// from `initial` up to `max`, each spread by +/- `jitter` so that many clients do not retry in
// step.
#pragma once
#include <chrono>
#include <cstdint>
#include <random>

namespace mcpgw::upstream {

class Backoff {
 public:
  using ms = std::chrono::milliseconds;
  // jitter is a fraction of the delay, in [0, 1]; seed 0 picks a random seed.
  Backoff(ms initial, ms max, double jitter = 0.2, uint64_t seed = 0);

  // The delay to wait before the next attempt; grows with every call until reset().
  ms next();
  // Call after a success: the next failure waits `initial` again.
  void reset();
  // Calls to next() since construction or the last reset().
  int attempts() const { return attempts_; }

 private:
  ms initial_, max_;
  double jitter_;
  int attempts_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace mcpgw::upstream
