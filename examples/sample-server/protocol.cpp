#include "protocol.h"

#include <algorithm>

namespace mcpgw::sample {

const std::vector<std::string>& supported_protocol_versions() {
  static const std::vector<std::string> versions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                    "2024-11-05"};
  return versions;
}

std::string negotiate_protocol_version(const std::string& requested) {
  const auto& versions = supported_protocol_versions();
  if (std::find(versions.begin(), versions.end(), requested) != versions.end()) return requested;
  return versions.front();
}

}  // namespace mcpgw::sample
