// How built-in functions are declared, looked up by the compiler and called by the evaluator.
//
// Ownership: rego-core owns the operators the evaluator needs (registered in operators.cpp):
//   eq (=), assign (:=), equal (==), neq (!=), lt, lte, gt, gte, plus, minus (numbers and set
//   difference), mul, div, rem, and (&), or (|), internal.member_2, internal.member_3,
//   and nothing else.
// rego-builtins owns every named library function (src/policy/rego/builtins/*.cpp), including
// the numbers/aggregates families (count, sum, product, max, min, sort, abs, round, ceil, floor,
// numbers.range, ...). They may reuse Value and the helpers below.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "policy/rego/value.h"

namespace mcpgw::policy::rego {

// A coarse static type: a set of kinds. Good enough for compile-time checks of constant
// arguments; a term whose type is unknown is Any.
using TypeMask = uint8_t;
constexpr TypeMask type_of(Kind k) {
  return static_cast<TypeMask>(1u << static_cast<unsigned>(k));
}
constexpr TypeMask kNull = type_of(Kind::Null);
constexpr TypeMask kBoolean = type_of(Kind::Boolean);
constexpr TypeMask kNumber = type_of(Kind::Number);
constexpr TypeMask kString = type_of(Kind::String);
constexpr TypeMask kArray = type_of(Kind::Array);
constexpr TypeMask kObject = type_of(Kind::Object);
constexpr TypeMask kSet = type_of(Kind::Set);
constexpr TypeMask kAny = 0x7F;
constexpr TypeMask kCollection = kArray | kObject | kSet;

// What a failing built-in reports. `code` is OPA's: "eval_type_error" for a wrong operand type,
// "eval_builtin_error" for everything else. `message` is without the code prefix, e.g.
// "strings.replace_n: operand 1 must be object but got array".
struct BuiltinError {
  std::string code;
  std::string message;
};

// A built-in that has no answer for these arguments (the expression is undefined).
struct Undefined {};

using BuiltinResult = std::variant<Value, Undefined, BuiltinError>;

// Per-query state shared by all built-in calls of one evaluation.
struct BuiltinContext {
  int64_t now_ns = 0;   // time.now_ns: fixed for the whole query
  uint64_t seed = 0;    // seed for rand.intn and uuid.rfc4122 (deterministic when fixed)
  bool strict = false;  // strict built-in errors: the evaluator raises instead of undefined
  // Per-query memo for non-deterministic built-ins, keyed by the built-in's own choice of key
  // (rand.intn("x", 10) must give the same number twice in one query).
  std::map<std::string, Value>* memo = nullptr;
  // Output sink for print(); may be null.
  std::function<void(std::string_view)> print;
};

using BuiltinFn = std::function<BuiltinResult(std::span<const Value> args, BuiltinContext& ctx)>;

struct Builtin {
  std::string name;              // "strings.replace_n"
  std::vector<TypeMask> params;  // one mask per argument; the arity is params.size()
  TypeMask result = kAny;
  BuiltinFn fn;
  // A relation returns an array of results, each of which the evaluator tries in turn (walk).
  bool relation = false;
  // Nondeterministic built-ins (rand.intn, uuid.rfc4122, time.now_ns) are never folded at
  // compile time.
  bool nondeterministic = false;
};

// The table of built-ins by name.
class Registry {
 public:
  void add(Builtin b);  // replaces an earlier one of the same name
  const Builtin* find(std::string_view name) const;
  std::vector<std::string> names() const;
  size_t size() const { return by_name_.size(); }

  // The operators plus every library family (register_all_builtins). Built once.
  static const Registry& standard();

 private:
  std::map<std::string, Builtin, std::less<>> by_name_;
};

// Error helpers with OPA's wording.
// "<fn>: operand <pos> must be <want> but got <type of got>" (pos counts from 1).
BuiltinError operand_type_error(std::string_view fn, int pos, std::string_view want,
                                const Value& got);
// "<fn>: <message>" with code eval_builtin_error.
BuiltinError builtin_error(std::string_view fn, std::string_view message);

// The operators owned by the evaluator (see the top of this file).
void register_operators(Registry& registry);

}  // namespace mcpgw::policy::rego
