// The sample MCP server's protocol logic: one JSON-RPC line in, at most one line out. The stdio
// loop in main.cpp only moves lines; everything that can be tested lives here.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "file_access.h"
#include "protocol.h"
#include "tool.h"

namespace mcpgw::sample {

class Server {
 public:
  explicit Server(TextFileReader files);
  Server(const Server&) = delete;  // the tools hold a reference to files_
  Server& operator=(const Server&) = delete;

  // Handles one newline-delimited message (a request, a notification, a response or a batch)
  // and returns the line to send back, without the newline; nothing for notifications.
  std::optional<std::string> handle_line(std::string_view line);

 private:
  std::optional<json> handle_message(const json& message);
  json dispatch(const std::string& method, const json& params);
  json initialize(const json& params);
  json call_tool(const json& params);
  json status() const;

  TextFileReader files_;
  std::vector<Tool> tools_;
  bool initialized_ = false;      // initialize answered
  bool client_ready_ = false;     // notifications/initialized received
  std::string protocol_version_;  // negotiated
  json client_info_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  uint64_t requests_ = 0, tool_calls_ = 0, tool_errors_ = 0;
};

}  // namespace mcpgw::sample
