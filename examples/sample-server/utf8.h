// UTF-8 validation: JSON strings must be valid Unicode, so bytes are checked before they are sent.
#pragma once
#include <string_view>

namespace mcpgw::sample {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace mcpgw::sample
