#include "policy/rego/engine.h"

#include "policy/rego/errors.h"
#include "policy/rego/parser.h"

namespace mcpgw::policy::rego {

void Engine::add_module(const std::string& file, std::string_view source) {
  parse_module(source, file);  // report syntax errors now
  sources_.emplace_back(file, std::string(source));
  program_.reset();
}

void Engine::compile(const CompileOptions& options) {
  // Re-parse: the compiler annotates the tree in place, so each compile gets a fresh one.
  std::vector<Module> modules;
  for (const auto& [file, source] : sources_) modules.push_back(parse_module(source, file));
  program_ = compile_modules(std::move(modules), *registry_, options);
}

CompiledQuery Engine::prepare(std::string_view query) const {
  if (!program_) throw RegoError("rego_compile_error", "engine not compiled");
  return compile_query(*program_, query);
}

std::vector<QueryResult> Engine::eval(const CompiledQuery& query,
                                      const EvalOptions& options) const {
  if (!program_) throw RegoError("rego_compile_error", "engine not compiled");
  return evaluate(*program_, data_, query, options);
}

std::vector<QueryResult> Engine::eval(std::string_view query, const EvalOptions& options) const {
  return eval(prepare(query), options);
}

const std::vector<Module>& Engine::modules() const {
  static const std::vector<Module> kNone;
  return program_ ? program_->modules : kNone;
}

}  // namespace mcpgw::policy::rego
