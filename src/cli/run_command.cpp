// `mcp-gateway run --config FILE` and `mcp-gateway check-config --config FILE`.
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.h"
#include "gateway/gateway.h"
#include "ops/config.h"

namespace mcpgw::cli {

void add_run_command(CLI::App& app, int& exit_code) {
  auto* run = app.add_subcommand("run", "Serve MCP clients on the configured listeners");
  static std::string config_path;
  static std::string log_level;
  run->add_option("-c,--config", config_path, "The gateway's YAML configuration file")->required();
  run->add_option("--log-level", log_level,
                  "trace, debug, info, warn, error (overrides the config)");
  run->callback([&exit_code] {
    try {
      auto config = config::load_file(config_path);
      spdlog::set_level(spdlog::level::from_str(log_level.empty() ? config.log_level : log_level));
      Gateway gateway(std::move(config));
      exit_code = gateway.run();
    } catch (const config::ConfigError& e) {
      std::cerr << e.what() << "\n";
      exit_code = 2;
    } catch (const std::exception& e) {
      std::cerr << "mcp-gateway: " << e.what() << "\n";
      exit_code = 1;
    }
  });

  auto* check = app.add_subcommand("check-config", "Validate a configuration file and exit");
  static std::string check_path;
  check->add_option("-c,--config", check_path, "The YAML configuration file")->required();
  check->callback([&exit_code] {
    try {
      auto config = config::load_file(check_path);
      Gateway::check(config);
      std::cout << check_path << ": ok (" << config.servers.size() << " servers, "
                << config.listeners.size() << " listeners)\n";
      exit_code = 0;
    } catch (const config::ConfigError& e) {
      std::cerr << e.what() << "\n";
      exit_code = 2;
    } catch (const std::exception& e) {  // e.g. a key file named by the config cannot be read
      std::cerr << check_path << ": " << e.what() << "\n";
      exit_code = 2;
    }
  });
}

}  // namespace mcpgw::cli
