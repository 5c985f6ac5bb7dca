// The operators the evaluator needs, registered as built-ins under OPA's names.
#include <algorithm>

#include "policy/rego/arithmetic.h"
#include "policy/rego/builtin_registry.h"

namespace mcpgw::policy::rego {
namespace {

Builtin comparison(std::string name, bool (*test)(int)) {
  return Builtin{std::move(name), {kAny, kAny}, kBoolean,
                 [test](std::span<const Value> a, BuiltinContext&) -> BuiltinResult {
                   return Value::boolean(test(a[0].compare(a[1])));
                 }};
}

BuiltinResult require_numbers(std::string_view fn, std::span<const Value> a) {
  if (!a[0].is_number()) return operand_type_error(fn, 1, "number", a[0]);
  if (!a[1].is_number()) return operand_type_error(fn, 2, "number", a[1]);
  return Undefined{};
}

Builtin numeric(std::string name, Value (*op)(const Value&, const Value&)) {
  return Builtin{name, {kNumber, kNumber}, kNumber,
                 [name, op](std::span<const Value> a, BuiltinContext&) -> BuiltinResult {
                   auto check = require_numbers(name, a);
                   if (std::holds_alternative<BuiltinError>(check)) return check;
                   return op(a[0], a[1]);
                 }};
}

Value set_difference(const Value& a, const Value& b) {
  std::vector<Value> out;
  for (const auto& v : a.items())
    if (!b.contains(v)) out.push_back(v);
  return Value::set_sorted(std::move(out));
}

Value set_intersection(const Value& a, const Value& b) {
  std::vector<Value> out;
  std::set_intersection(a.items().begin(), a.items().end(), b.items().begin(), b.items().end(),
                        std::back_inserter(out));
  return Value::set_sorted(std::move(out));
}

Value set_union(const Value& a, const Value& b) {
  std::vector<Value> out;
  std::set_union(a.items().begin(), a.items().end(), b.items().begin(), b.items().end(),
                 std::back_inserter(out));
  return Value::set_sorted(std::move(out));
}

bool member(const Value& x, const Value& coll) {
  switch (coll.kind()) {
    case Kind::Set: return coll.contains(x);
    case Kind::Array:
      for (const auto& v : coll.items())
        if (v == x) return true;
      return false;
    case Kind::Object:
      for (const auto& [_, v] : coll.entries())
        if (v == x) return true;
      return false;
    default: return false;
  }
}

bool member_with_key(const Value& key, const Value& val, const Value& coll) {
  switch (coll.kind()) {
    case Kind::Object: {
      const Value* v = coll.find(key);
      return v && *v == val;
    }
    case Kind::Array: {
      auto i = key.is_number() ? key.to_int64() : std::nullopt;
      if (!i || *i < 0 || static_cast<size_t>(*i) >= coll.size()) return false;
      return coll.items()[static_cast<size_t>(*i)] == val;
    }
    case Kind::Set: return key == val && coll.contains(val);
    default: return false;
  }
}

}  // namespace

void register_operators(Registry& r) {
  // Unification and assignment are done by the evaluator; registered so calls resolve.
  r.add(comparison("eq", [](int c) { return c == 0; }));
  r.add(comparison("assign", [](int c) { return c == 0; }));
  r.add(comparison("equal", [](int c) { return c == 0; }));
  r.add(comparison("neq", [](int c) { return c != 0; }));
  r.add(comparison("lt", [](int c) { return c < 0; }));
  r.add(comparison("lte", [](int c) { return c <= 0; }));
  r.add(comparison("gt", [](int c) { return c > 0; }));
  r.add(comparison("gte", [](int c) { return c >= 0; }));
  r.add(numeric("plus", number_add));
  r.add(numeric("mul", number_mul));
  r.add(Builtin{"minus", {kNumber | kSet, kNumber | kSet}, kNumber | kSet,
                [](std::span<const Value> a, BuiltinContext&) -> BuiltinResult {
                  if (a[0].is_number()) {
                    if (!a[1].is_number()) return operand_type_error("minus", 2, "number", a[1]);
                    return number_sub(a[0], a[1]);
                  }
                  if (a[0].is_set()) {
                    if (!a[1].is_set()) return operand_type_error("minus", 2, "set", a[1]);
                    return set_difference(a[0], a[1]);
                  }
                  return operand_type_error("minus", 1, "one of {number, set}", a[0]);
                }});
  r.add(Builtin{"div", {kNumber, kNumber}, kNumber,
                [](std::span<const Value> a, BuiltinContext&) -> BuiltinResult {
                  auto check = require_numbers("div", a);
                  if (std::holds_alternative<BuiltinError>(check)) return check;
                  return number_div(a[0], a[1]);
                }});
  r.add(Builtin{"rem", {kNumber, kNumber}, kNumber,
                [](std::span<const Value> a, BuiltinContext&) -> BuiltinResult {
                  auto check = require_numbers("rem", a);
                  if (std::holds_alternative<BuiltinError>(check)) return check;
                  return number_rem(a[0], a[1]);
                }});
  r.add(Builtin{"and", {kSet, kSet}, kSet,
                [](std::span<const Value> a, BuiltinContext&) -> BuiltinResult {
                  if (!a[0].is_set()) return operand_type_error("and", 1, "set", a[0]);
                  if (!a[1].is_set()) return operand_type_error("and", 2, "set", a[1]);
                  return set_intersection(a[0], a[1]);
                }});
  r.add(Builtin{"or", {kSet, kSet}, kSet,
                [](std::span<const Value> a, BuiltinContext&) -> BuiltinResult {
                  if (!a[0].is_set()) return operand_type_error("or", 1, "set", a[0]);
                  if (!a[1].is_set()) return operand_type_error("or", 2, "set", a[1]);
                  return set_union(a[0], a[1]);
                }});
  r.add(Builtin{"internal.member_2", {kAny, kAny}, kBoolean,
                [](std::span<const Value> a, BuiltinContext&) -> BuiltinResult {
                  return Value::boolean(member(a[0], a[1]));
                }});
  r.add(Builtin{"internal.member_3", {kAny, kAny, kAny}, kBoolean,
                [](std::span<const Value> a, BuiltinContext&) -> BuiltinResult {
                  return Value::boolean(member_with_key(a[0], a[1], a[2]));
                }});
}

}  // namespace mcpgw::policy::rego
