// YAML to and from Rego values with yaml-cpp, resolving plain scalars the way Go's YAML
// decoder (as OPA uses it) does: null, booleans, integers and floats; everything else a string.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "policy/rego/value.h"

namespace mcpgw::policy::rego::builtins {

// nullopt with `error` in Go's wording ("yaml: line 1: did not find expected ',' or ']'").
std::optional<Value> yaml_to_value(std::string_view text, std::string& error);
std::string value_to_yaml(const Value& v);

}  // namespace mcpgw::policy::rego::builtins
