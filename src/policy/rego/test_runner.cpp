#include "policy/rego/test_runner.h"

#include <chrono>
#include <set>

#include "policy/rego/errors.h"

namespace mcpgw::policy::rego {

std::vector<PolicyTestResult> run_policy_tests(const Engine& engine) {
  std::vector<PolicyTestResult> out;
  std::set<std::string> seen;
  for (const auto& mod : engine.modules()) {
    for (const auto& rule : mod.rules) {
      const std::string& name = rule->head_ref[0]->name;
      bool is_test = name.rfind("test_", 0) == 0;
      bool is_todo = name.rfind("todo_", 0) == 0;
      if ((!is_test && !is_todo) || rule->has_params || rule->head_ref.size() != 1) continue;
      std::string path = "data";
      for (const auto& p : mod.package) path += "." + p;
      path += "." + name;
      if (!seen.insert(path).second) continue;  // several definitions are one test
      PolicyTestResult r;
      r.name = path;
      r.file = mod.file ? *mod.file : "";
      r.row = rule->loc.row;
      if (is_todo) {
        r.skipped = true;
        out.push_back(std::move(r));
        continue;
      }
      auto start = std::chrono::steady_clock::now();
      try {
        auto results = engine.eval(path);
        r.passed = !results.empty() && !results[0].expressions.empty() && results[0].expressions[0] &&
                   results[0].expressions[0]->is_bool() && results[0].expressions[0]->as_bool();
      } catch (const RegoError& e) {
        r.error = e.what();
      }
      r.millis = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace mcpgw::policy::rego
