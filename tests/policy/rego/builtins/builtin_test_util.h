// Calls built-ins by name through a registry holding every library family, as the evaluator does.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "policy/rego/builtin_registry.h"
#include "policy/rego/builtins/builtins.h"
#include "policy/rego/value.h"

namespace mcpgw::policy::rego::testing {

inline const Registry& library() {
  static const Registry r = [] {
    Registry reg;
    register_all_builtins(reg);
    return reg;
  }();
  return r;
}

// A JSON document as a value.
inline Value J(std::string_view json) {
  return Value::from_json(json);
}
inline Value S(std::vector<Value> items) {
  return Value::set(std::move(items));
}
inline Value Str(std::string s) {
  return Value::string(std::move(s));
}
inline Value I(int64_t i) {
  return Value::integer(i);
}

inline BuiltinResult call_with(BuiltinContext& ctx, std::string_view name,
                               std::vector<Value> args) {
  const Builtin* b = library().find(name);
  if (!b) {
    ADD_FAILURE() << "no built-in " << name;
    return Undefined{};
  }
  EXPECT_EQ(b->params.size(), args.size()) << name << " arity";
  return b->fn(args, ctx);
}

inline BuiltinResult call(std::string_view name, std::vector<Value> args) {
  BuiltinContext ctx;
  return call_with(ctx, name, std::move(args));
}

// The value a call returns; a failure when it is undefined or an error.
inline Value ok(std::string_view name, std::vector<Value> args) {
  auto r = call(name, std::move(args));
  if (auto* v = std::get_if<Value>(&r)) return *v;
  if (auto* e = std::get_if<BuiltinError>(&r)) {
    ADD_FAILURE() << name << " failed: " << e->code << ": " << e->message;
  } else {
    ADD_FAILURE() << name << " was undefined";
  }
  return Value::null();
}

// The JSON text of a successful call, for compact comparisons.
inline std::string okj(std::string_view name, std::vector<Value> args) {
  return ok(name, std::move(args)).to_json();
}

// The error of a failing call; an empty error when it did not fail.
inline BuiltinError err(std::string_view name, std::vector<Value> args) {
  auto r = call(name, std::move(args));
  if (auto* e = std::get_if<BuiltinError>(&r)) return *e;
  ADD_FAILURE() << name << " did not fail";
  return {};
}

inline bool is_undefined(std::string_view name, std::vector<Value> args) {
  auto r = call(name, std::move(args));
  return std::holds_alternative<Undefined>(r);
}

}  // namespace mcpgw::policy::rego::testing
