// sample-server: an MCP server over stdio (newline-delimited JSON-RPC 2.0). Reads requests from
// stdin, writes responses to stdout, logs to stderr.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <string>

#include "server.h"

int main(int argc, char** argv) {
  CLI::App app{
      "MCP sample server over stdio: time, hashing, base64, UUIDs, JSON, arithmetic and "
      "text files"};
  std::string root = ".";
  uint64_t max_file_bytes = 256 * 1024;
  app.add_option("--root", root, "Folder that read_text_file and sample://files/ may read")
      ->check(CLI::ExistingDirectory);
  app.add_option("--max-file-bytes", max_file_bytes, "Largest file read_text_file returns")
      ->check(CLI::Range(uint64_t{1}, uint64_t{16} << 20));
  CLI11_PARSE(app, argc, argv);

  std::ios::sync_with_stdio(false);
  mcpgw::sample::Server server(mcpgw::sample::TextFileReader(root, max_file_bytes));
  std::cerr << "sample-server: ready, root " << std::filesystem::canonical(root).string()
            << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank keep-alive lines
    if (auto reply = server.handle_line(line)) {
      std::cout << *reply << '\n' << std::flush;
      if (!std::cout) return 1;  // the client closed our stdout
    }
  }
  return 0;
}
