// Just enough of JSON-RPC for a transport: which request ids a message carries, which response
// ids, and how to write an error response. Scans only the top-level keys of each object; payloads
// (`params`, `result`) are skipped as bytes, never built into a document.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpgw::upstream {

// Ids (canonical JSON text, e.g. `7` or `"a"`) of the requests in a message or batch: objects
// with both `method` and `id`. Empty for notifications, responses, and text that is not JSON-RPC.
std::vector<std::string> request_ids(std::string_view message);

// Ids of the responses (objects with `result` or `error` and no `method`) in a message or batch.
std::vector<std::string> response_ids(std::string_view message);

// A JSON-RPC error response for request `id_json` (canonical id text from request_ids).
std::string error_response(std::string_view id_json, int code, std::string_view message);

// JSON-RPC "internal error": used for failures of the upstream connection.
inline constexpr int kInternalError = -32603;

}  // namespace mcpgw::upstream
