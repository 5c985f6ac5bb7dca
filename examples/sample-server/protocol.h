// JSON-RPC 2.0 error codes and MCP protocol version negotiation for the sample server.
#pragma once
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace mcpgw::sample {
using json = nlohmann::json;

namespace error_code {
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
constexpr int kResourceNotFound = -32002;  // MCP's code for resources/read of an unknown URI
}  // namespace error_code

// A request that fails as a whole: becomes a JSON-RPC error response.
struct RpcError : std::runtime_error {
  RpcError(int c, const std::string& message, json d = nullptr)
      : std::runtime_error(message), code(c), data(std::move(d)) {}
  int code;
  json data;
};

// Newest first; the first one is what the server proposes when the client's is unknown.
const std::vector<std::string>& supported_protocol_versions();

// The version to answer an initialize with: the client's when supported, else the newest.
std::string negotiate_protocol_version(const std::string& requested);

}  // namespace mcpgw::sample
