// Turns parsed modules into a Program: the tree of rules under `data`, with every variable
// resolved to a frame slot, every call resolved to a built-in or a user function, and every
// body ordered so that variables are bound before they are used (safety).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/rego/ast.h"
#include "policy/rego/builtin_registry.h"

namespace mcpgw::policy::rego {

// A node of the `data` tree that rules contribute to (packages and rule paths).
struct DataNode {
  std::string name;
  std::vector<std::string> path;  // from the data root, without "data"
  std::map<std::string, std::unique_ptr<DataNode>, std::less<>> children;
  std::vector<std::shared_ptr<Rule>> rules;      // complete, partial set and ref-head object rules
  std::vector<std::shared_ptr<Rule>> functions;  // function definitions
  std::shared_ptr<Rule> default_rule;
  int id = 0;
  bool is_function = false;  // functions (and default functions) are not part of data
  bool is_package = false;   // a package: its value is an object even when no rule is defined

  size_t arity() const {
    if (!functions.empty()) return functions[0]->params.size();
    return default_rule ? default_rule->params.size() : 0;
  }

  const DataNode* child(std::string_view key) const {
    auto it = children.find(key);
    return it == children.end() ? nullptr : it->second.get();
  }
  bool has_rules() const { return !rules.empty() || (default_rule != nullptr && !is_function); }
};

struct Program {
  std::vector<Module> modules;
  std::unique_ptr<DataNode> root;
  int node_count = 0;
  const Registry* registry = nullptr;
};

struct CompiledQuery {
  std::shared_ptr<std::string> file;
  std::shared_ptr<Body> body;
  int frame_size = 0;
  // Variables the caller sees, in order of first appearance (no wildcards).
  std::vector<std::pair<std::string, int>> vars;
};

struct CompileOptions {
  // OPA's strict mode checks too: vars assigned with := that are never used.
  bool strict = false;
};

// Throws RegoError (rego_compile_error, rego_type_error, rego_unsafe_var_error, ...).
std::shared_ptr<Program> compile_modules(std::vector<Module> modules, const Registry& registry,
                                         const CompileOptions& options = {});
CompiledQuery compile_query(const Program& program, std::string_view query);
// Compiles an already parsed query body (used for templates in tests and for the CLI).
CompiledQuery compile_query_body(const Program& program, std::shared_ptr<Body> body,
                                 std::shared_ptr<std::string> file);

}  // namespace mcpgw::policy::rego
