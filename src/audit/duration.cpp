#include "audit/duration.h"

#include <cstdint>
#include <limits>
#include <stdexcept>

namespace mcpgw::audit {

std::chrono::milliseconds parse_duration(const std::string& text) {
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (n > (std::numeric_limits<uint64_t>::max() - 9) / 10)
      throw std::invalid_argument("duration '" + text + "' is too large");
    n = n * 10 + static_cast<uint64_t>(text[i] - '0');
    ++i;
  }
  if (i == 0)
    throw std::invalid_argument("duration '" + text +
                                "' must start with a number, e.g. 90d or 500ms");
  std::string unit = text.substr(i);
  uint64_t ms_per_unit;
  if (unit == "ms")
    ms_per_unit = 1;
  else if (unit == "s")
    ms_per_unit = 1000;
  else if (unit == "m")
    ms_per_unit = 60'000;
  else if (unit == "h")
    ms_per_unit = 3'600'000;
  else if (unit == "d")
    ms_per_unit = 86'400'000;
  else if (unit == "w")
    ms_per_unit = 7 * 86'400'000ULL;
  else
    throw std::invalid_argument("duration '" + text + "' needs a unit: ms, s, m, h, d or w");
  if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / ms_per_unit / 1000)
    throw std::invalid_argument("duration '" + text + "' is too large");
  return std::chrono::milliseconds(static_cast<int64_t>(n * ms_per_unit));
}

}  // namespace mcpgw::audit
