// Values written as Rego terms, as OPA prints them (template strings, sprintf's %v).
#pragma once
#include <string>

#include "policy/rego/value.h"

namespace mcpgw::policy::rego {

// Strings quoted, sets as {1, 2} or set(), objects as {"a": 1}, arrays as [1, 2].
std::string to_rego_text(const Value& v);

// Like to_rego_text but a top-level string is written without quotes (template strings).
std::string to_display_text(const Value& v);

}  // namespace mcpgw::policy::rego
