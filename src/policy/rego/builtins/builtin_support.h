// Shared helpers for the built-in families: operand checks with OPA's error wording, a
// registration shorthand, and small UTF-8 and number utilities.
//
// Family functions are written as `Value f(Args args, BuiltinContext& ctx)` and report failure by
// throwing Failure (an error) or NoResult (undefined); def() turns that into a BuiltinResult, so
// the bodies read top to bottom without threading variants through every check.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/rego/builtin_registry.h"
#include "policy/rego/value.h"

namespace mcpgw::policy::rego::builtins {

using Args = std::span<const Value>;

struct Failure {
  BuiltinError error;
};
struct NoResult {};

using BodyFn = std::function<Value(Args, BuiltinContext&)>;

struct DefOptions {
  TypeMask result = kAny;
  bool relation = false;
  bool nondeterministic = false;
};

// Registers `name` with one type mask per parameter.
void def(Registry& r, std::string name, std::vector<TypeMask> params, BodyFn body,
         DefOptions options = {});

// Failures. fail_type: "<fn>: operand <pos> must be <want> but got <type>" (eval_type_error).
[[noreturn]] void fail_type(std::string_view fn, int pos, std::string_view want, const Value& got);
// "<fn>: <message>" as eval_builtin_error.
[[noreturn]] void fail(std::string_view fn, std::string_view message);
// An error with an exact code and message (no function prefix).
[[noreturn]] void fail_raw(std::string code, std::string message);
[[noreturn]] void undefined();

// Operand accessors; `pos` counts from 1 as in OPA's messages.
const std::string& str_arg(std::string_view fn, Args args, int pos);
const Value& kind_arg(std::string_view fn, Args args, int pos, Kind kind);
const Value& num_arg(std::string_view fn, Args args, int pos);
// An integer operand; a float with a fractional part is
// "operand N must be integer number but got floating-point number".
int64_t int_arg(std::string_view fn, Args args, int pos);

// "null", "boolean", ... as used in messages; same as Value::type_name.
std::string_view kind_name(Kind k);

// UTF-8.
std::vector<char32_t> utf8_decode(std::string_view s);  // invalid bytes become U+FFFD
void utf8_append(std::string& out, char32_t c);
std::string utf8_encode(std::span<const char32_t> cps);
size_t utf8_length(std::string_view s);  // code points (invalid bytes count one each)

// Numbers.
// A double as a Rego number: integral values become integers (big ones keep their digits).
Value number_from_double_exact(double d);

// The Rego source form of a value (as OPA's term String()): strings quoted, sets as {..} or
// set(), arrays and objects with ", " separators.
std::string rego_string(const Value& v);

// Builds a string value quickly.
inline Value str(std::string s) {
  return Value::string(std::move(s));
}

}  // namespace mcpgw::policy::rego::builtins
