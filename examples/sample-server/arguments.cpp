#include "arguments.h"

#include <cmath>
#include <cstring>

namespace mcpgw::sample {

void reject_unknown_arguments(const json& arguments, std::initializer_list<const char*> known) {
  for (const auto& [key, value] : arguments.items()) {
    bool found = false;
    for (const char* name : known) found = found || key == name;
    if (!found) throw ToolError("unknown argument '" + key + "'");
  }
}

std::optional<std::string> optional_string(const json& arguments, const char* key) {
  auto it = arguments.find(key);
  if (it == arguments.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    throw ToolError(std::string("argument '") + key + "' must be a string, got " + it->type_name());
  }
  return it->get<std::string>();
}

std::string required_string(const json& arguments, const char* key) {
  auto value = optional_string(arguments, key);
  if (!value) throw ToolError(std::string("missing required argument '") + key + "'");
  return *value;
}

std::optional<bool> optional_bool(const json& arguments, const char* key) {
  auto it = arguments.find(key);
  if (it == arguments.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) {
    throw ToolError(std::string("argument '") + key + "' must be a boolean, got " +
                    it->type_name());
  }
  return it->get<bool>();
}

std::optional<int64_t> optional_integer(const json& arguments, const char* key, int64_t min,
                                        int64_t max) {
  auto it = arguments.find(key);
  if (it == arguments.end() || it->is_null()) return std::nullopt;
  int64_t value = 0;
  if (it->is_number_integer()) {
    if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      value = INT64_MAX;
    } else {
      value = it->get<int64_t>();
    }
  } else if (it->is_number_float() && std::trunc(it->get<double>()) == it->get<double>() &&
             std::fabs(it->get<double>()) < 9e15) {
    value = static_cast<int64_t>(it->get<double>());  // 4.0 is an integer in JSON Schema
  } else {
    throw ToolError(std::string("argument '") + key + "' must be an integer, got " +
                    (it->is_number() ? it->dump() : std::string(it->type_name())));
  }
  if (value < min || value > max) {
    throw ToolError(std::string("argument '") + key + "' must be between " + std::to_string(min) +
                    " and " + std::to_string(max) + ", got " + std::to_string(value));
  }
  return value;
}

void require_one_of(const std::string& key, const std::string& value,
                    std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* name : allowed) {
    if (value == name) return;
    list += list.empty() ? "" : ", ";
    list += name;
  }
  throw ToolError("argument '" + key + "' must be one of " + list + ", got '" + value + "'");
}

}  // namespace mcpgw::sample
