// Helpers for the Rego engine tests: compile modules and evaluate a query in one call.
#pragma once
#include <string>
#include <vector>

#include "policy/rego/engine.h"
#include "policy/rego/errors.h"

namespace mcpgw::policy::rego::testing {

// Value of variable `x` in each solution of `query`, as JSON text.
inline std::vector<std::string> eval_x(const std::vector<std::string>& modules, const std::string& query,
                                       const std::string& input_json = "", const std::string& data_json = "{}",
                                       bool strict = false) {
  Engine engine;
  int i = 0;
  for (const auto& m : modules) engine.add_module("m" + std::to_string(i++) + ".rego", m);
  engine.set_data(Value::from_json(data_json));
  engine.compile();
  EvalOptions opts;
  if (!input_json.empty()) opts.input = Value::from_json(input_json);
  opts.strict_builtin_errors = strict;
  std::vector<std::string> out;
  for (const auto& r : engine.eval(query, opts)) {
    for (const auto& [name, v] : r.bindings)
      if (name == "x") out.push_back(v.to_json());
  }
  return out;
}

// The RegoError a piece of work throws (code and full text), or "" when it succeeds.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const RegoError& e) {
    return e.what();
  }
  return "";
}

}  // namespace mcpgw::policy::rego::testing
