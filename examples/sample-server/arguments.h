// Reading tool arguments with messages that tell the model exactly what was wrong.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "tool.h"

namespace mcpgw::sample {

// Throws ToolError naming the first argument that is not in `known`.
void reject_unknown_arguments(const json& arguments, std::initializer_list<const char*> known);

// Each throws ToolError when the argument is missing (required_*) or has the wrong type/range.
std::string required_string(const json& arguments, const char* key);
std::optional<std::string> optional_string(const json& arguments, const char* key);
std::optional<bool> optional_bool(const json& arguments, const char* key);
std::optional<int64_t> optional_integer(const json& arguments, const char* key, int64_t min,
                                        int64_t max);

// Throws ToolError unless `value` is one of `allowed`.
void require_one_of(const std::string& key, const std::string& value,
                    std::initializer_list<const char*> allowed);

}  // namespace mcpgw::sample
