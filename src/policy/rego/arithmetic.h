// Exact arithmetic on Rego numbers as OPA does it: integers stay exact (int64, widening to big
// integers on overflow), anything with a float operand is computed in double precision.
#pragma once
#include "policy/rego/builtin_registry.h"

namespace mcpgw::policy::rego {

Value number_add(const Value& a, const Value& b);
Value number_sub(const Value& a, const Value& b);
Value number_mul(const Value& a, const Value& b);
// Errors use the given built-in name: "<fn>: divide by zero".
BuiltinResult number_div(const Value& a, const Value& b, std::string_view fn = "div");
BuiltinResult number_rem(const Value& a, const Value& b, std::string_view fn = "rem");

}  // namespace mcpgw::policy::rego
