// Each subcommand of `mcp-gateway` registers itself on the app; main() calls every add_*.
#pragma once
#include <CLI/CLI.hpp>

namespace mcpgw::cli {
// Each add_* function registers a subcommand and its callback. The callback sets `exit_code`.
void add_run_command(CLI::App& app, int& exit_code);     // run_command.cpp
void add_policy_command(CLI::App& app, int& exit_code);  // policy_command.cpp
void add_audit_command(CLI::App& app, int& exit_code);   // audit_command.cpp
void add_token_command(CLI::App& app, int& exit_code);   // token_command.cpp
}  // namespace mcpgw::cli
