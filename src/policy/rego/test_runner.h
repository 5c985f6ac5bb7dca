// Runs the test_* rules of loaded policies, as `opa test` does.
#pragma once
#include <string>
#include <vector>

#include "policy/rego/engine.h"

namespace mcpgw::policy::rego {

struct PolicyTestResult {
  std::string name;      // data.pkg.test_name
  std::string file;      // module file
  int row = 0;
  bool passed = false;
  bool skipped = false;  // todo_* rules
  std::string error;     // evaluation error, if any
  double millis = 0;
};

// The engine must be compiled. Tests run in file order, then source order.
std::vector<PolicyTestResult> run_policy_tests(const Engine& engine);

}  // namespace mcpgw::policy::rego
