// MCP protocol facts the gateway needs: versions, JSON-RPC error codes, message builders.
#pragma once
#include <array>
#include <string>
#include <string_view>

namespace mcpgw::mcp {

inline constexpr std::string_view kLatestVersion = "2025-11-25";
// Versions a client may negotiate with the gateway over Streamable HTTP, newest first.
inline constexpr std::array<std::string_view, 4> kSupportedVersions = {
    "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};

bool is_supported_version(std::string_view v);
// JSON-RPC batches exist only in 2025-03-26 (added then, removed in 2025-06-18).
bool version_allows_batches(std::string_view v);
// The priming SSE event (an event id and empty data before anything else) arrived in 2025-11-25.
bool version_has_priming_event(std::string_view v);

namespace error {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kResourceNotFound = -32002;
// Gateway-specific (the JSON-RPC implementation-defined range -32000..-32099).
inline constexpr int kUpstreamUnavailable = -32010;
inline constexpr int kUpstreamTimeout = -32011;
inline constexpr int kRequestCancelled = -32800;
inline constexpr int kForbidden = -32003;
}  // namespace error

// {"jsonrpc":"2.0","id":ID,"error":{"code":C,"message":M}}; id_json is the id as written
// ("null" when unknown). data_json, if not empty, is added as error.data.
std::string error_response(std::string_view id_json, int code, std::string_view message,
                           std::string_view data_json = {});
// {"jsonrpc":"2.0","id":ID,"result":RESULT}
std::string result_response(std::string_view id_json, std::string_view result_json);
// {"jsonrpc":"2.0","id":ID,"method":M,"params":P} (params omitted when empty)
std::string request(std::string_view id_json, std::string_view method, std::string_view params_json);
std::string notification(std::string_view method, std::string_view params_json);

}  // namespace mcpgw::mcp
