// Go's fmt.Sprintf semantics for Rego's sprintf, and Go's shortest float formatting (%v / %g),
// because OPA's built-ins format through Go and policies compare the resulting text.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/rego/value.h"

namespace mcpgw::policy::rego::builtins {

// sprintf(format, args) as OPA does it: numbers become Go ints, big ints or float64s; strings
// stay strings; every other value is passed as its Rego text.
std::string go_sprintf(std::string_view format, const std::vector<Value>& args);

// Go's %v for a float64 (strconv 'g' with the shortest digits): exponent form when the decimal
// exponent is below -4 or at least 6 (123456789.0 -> "1.23456789e+08"), plain digits otherwise.
std::string go_format_float_g(double d);

}  // namespace mcpgw::policy::rego::builtins
