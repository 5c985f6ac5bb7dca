#include "upstream/backoff.h"

#include <algorithm>
#include <stdexcept>

namespace mcpgw::upstream {

Backoff::Backoff(ms initial, ms max, double jitter, uint64_t seed)
    : initial_(initial), max_(max), jitter_(jitter), rng_(seed ? seed : std::random_device{}()) {
  if (initial.count() <= 0) throw std::invalid_argument("backoff: initial delay must be positive");
  if (max < initial) throw std::invalid_argument("backoff: max delay is below the initial delay");
  if (!(jitter >= 0.0 && jitter <= 1.0))
    throw std::invalid_argument("backoff: jitter must be in [0, 1]");
}

Backoff::ms Backoff::next() {
  // initial * 2^attempts, capped; the shift is bounded so it cannot overflow.
  double base = static_cast<double>(initial_.count());
  for (int i = 0; i < attempts_ && base < static_cast<double>(max_.count()); ++i) base *= 2;
  base = std::min(base, static_cast<double>(max_.count()));
  ++attempts_;
  if (jitter_ > 0) {
    std::uniform_real_distribution<double> spread(1.0 - jitter_, 1.0 + jitter_);
    base *= spread(rng_);
  }
  return ms(std::max<int64_t>(1, static_cast<int64_t>(base)));
}

void Backoff::reset() {
  attempts_ = 0;
}

}  // namespace mcpgw::upstream
