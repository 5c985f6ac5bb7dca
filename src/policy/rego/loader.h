// Loads policy files from disk into an Engine, the way `opa eval -d` and `opa test` do:
// every *.rego file is a module; every data.json / data.yaml is merged into data at the path of
// its folder relative to the root given.
#pragma once
#include <string>
#include <vector>

#include "policy/rego/engine.h"

namespace mcpgw::policy::rego {

// Throws RegoError (parse errors name file:line:col) or std::runtime_error (unreadable files,
// malformed data files).
void load_path(Engine& engine, const std::string& path);

// The files load_path would read, sorted (for messages and tests).
std::vector<std::string> policy_files(const std::string& path);

}  // namespace mcpgw::policy::rego
