// Durations as people write them in config files and on the command line: 250ms, 5s, 10m,
// 12h, 90d, 2w.
#pragma once
#include <chrono>
#include <string>

namespace mcpgw::audit {

// Throws std::invalid_argument with the reason for anything else (no unit, negative, overflow).
std::chrono::milliseconds parse_duration(const std::string& text);

}  // namespace mcpgw::audit
