// The `audit` subcommands alone, for testing them without the rest of the gateway binary
// (the real `mcp-gateway audit …` registers the same add_audit_command).
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"mcp-gateway (audit subcommands only)"};
  app.require_subcommand(1);
  int exit_code = 0;
  mcpgw::cli::add_audit_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
