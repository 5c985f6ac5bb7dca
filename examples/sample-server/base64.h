// Base64 (RFC 4648), standard and URL-safe alphabets.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace mcpgw::sample {

struct Base64Error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Encodes with padding ('='); the URL-safe alphabet uses '-' and '_' and no padding.
std::string base64_encode(std::string_view bytes, bool url_safe = false);

// Decodes; whitespace is skipped and padding is optional. Throws Base64Error naming the offset of
// the first character outside the alphabet, misplaced padding or a truncated final group.
std::string base64_decode(std::string_view text, bool url_safe = false);

}  // namespace mcpgw::sample
