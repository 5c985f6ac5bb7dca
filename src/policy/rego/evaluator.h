// Evaluates a compiled query against a Program, base data and input, the way OPA's topdown
// does: depth-first search over bindings with backtracking, virtual documents computed on
// demand and cached per query.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/rego/compiler.h"

namespace mcpgw::policy::rego {

struct EvalOptions {
  std::optional<Value> input;  // nullopt: input is undefined
  bool strict_builtin_errors = false;
  int64_t now_ns = 0;          // 0: the wall clock at the start of the query
  uint64_t seed = 0;
  std::function<void(std::string_view)> print;
};

// One solution of a query.
struct QueryResult {
  std::vector<std::pair<std::string, Value>> bindings;  // the query's variables, in order
  std::vector<std::optional<Value>> expressions;        // value of each query expression
};

// Throws RegoError for evaluation errors (conflicts, strict built-in errors, recursion).
std::vector<QueryResult> evaluate(const Program& program, const Value& data,
                                  const CompiledQuery& query, const EvalOptions& options);

}  // namespace mcpgw::policy::rego
