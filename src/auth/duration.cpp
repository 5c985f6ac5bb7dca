#include "auth/duration.h"

#include <charconv>

namespace mcpgw::auth {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data() || value < 0) return std::nullopt;
  std::string_view unit(end, text.data() + text.size() - end);
  long long ms_per_unit = 0;
  if (unit.empty() || unit == "s")
    ms_per_unit = 1000;
  else if (unit == "ms")
    ms_per_unit = 1;
  else if (unit == "m")
    ms_per_unit = 60'000;
  else if (unit == "h")
    ms_per_unit = 3'600'000;
  else if (unit == "d")
    ms_per_unit = 86'400'000;
  else
    return std::nullopt;
  if (value > (1LL << 40)) return std::nullopt;  // no overflow, no absurd values
  return std::chrono::milliseconds(value * ms_per_unit);
}

}  // namespace mcpgw::auth
