// The embedded Rego engine's front door: load modules and data, compile once, evaluate queries.
//
//   Engine engine;
//   engine.add_module("authz.rego", source);
//   engine.set_data(Value::from_json(data_json));
//   engine.compile();
//   auto query = engine.prepare("data.mcp.authz.allow");
//   auto results = engine.eval(query, {.input = input});
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/rego/builtin_registry.h"
#include "policy/rego/compiler.h"
#include "policy/rego/evaluator.h"

namespace mcpgw::policy::rego {

class Engine {
 public:
  explicit Engine(const Registry& registry = Registry::standard()) : registry_(&registry) {}

  // Parses a module; throws RegoError (rego_parse_error with file:line:col).
  void add_module(const std::string& file, std::string_view source);
  void set_data(Value data) { data_ = std::move(data); }
  const Value& data() const { return data_; }
  // Compiles all modules; throws RegoError. Must be called before prepare/eval.
  void compile(const CompileOptions& options = {});
  bool compiled() const { return program_ != nullptr; }

  // A query compiled against this engine's program; reusable across evaluations.
  CompiledQuery prepare(std::string_view query) const;
  std::vector<QueryResult> eval(const CompiledQuery& query, const EvalOptions& options = {}) const;
  std::vector<QueryResult> eval(std::string_view query, const EvalOptions& options = {}) const;

  const std::vector<Module>& modules() const;
  const Program& program() const { return *program_; }

 private:
  const Registry* registry_;
  std::vector<std::pair<std::string, std::string>> sources_;
  std::shared_ptr<Program> program_;
  Value data_ = Value::object({});
};

}  // namespace mcpgw::policy::rego
