// mcp-gateway: the command. Subcommands: run, check-config, token, policy, audit.
#include <spdlog/spdlog.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"mcp-gateway: one authenticated, authorised, audited door to your MCP servers"};
  app.require_subcommand(1);
  int exit_code = 0;
  mcpgw::cli::add_run_command(app, exit_code);
  // A module left out of the build (MCPGW_SKIP_MODULES) leaves its subcommand out too.
#ifdef MCPGW_WITH_POLICY
  mcpgw::cli::add_policy_command(app, exit_code);
#endif
#ifdef MCPGW_WITH_AUDIT
  mcpgw::cli::add_audit_command(app, exit_code);
#endif
#ifdef MCPGW_WITH_TOKEN
  mcpgw::cli::add_token_command(app, exit_code);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
