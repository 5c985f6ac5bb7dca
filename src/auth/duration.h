// Durations in config and on the command line: "500ms", "30s", "10m", "1h", "2d", or a bare
// number of seconds.
#pragma once
#include <chrono>
#include <optional>
#include <string_view>

namespace mcpgw::auth {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace mcpgw::auth
