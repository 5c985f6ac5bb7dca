#include "mcp/protocol.h"

#include <algorithm>

#include "json/envelope.h"

namespace mcpgw::mcp {

bool is_supported_version(std::string_view v) {
  return std::find(kSupportedVersions.begin(), kSupportedVersions.end(), v) !=
         kSupportedVersions.end();
}

bool version_allows_batches(std::string_view v) { return v == "2025-03-26"; }

bool version_has_priming_event(std::string_view v) { return v >= std::string_view("2025-11-25"); }

std::string error_response(std::string_view id_json, int code, std::string_view message,
                           std::string_view data_json) {
  std::string out;
  out.reserve(64 + message.size() + data_json.size());
  out += R"({"jsonrpc":"2.0","id":)";
  out += id_json.empty() ? std::string_view("null") : id_json;
  out += R"(,"error":{"code":)";
  out += std::to_string(code);
  out += R"(,"message":)";
  json::append_quoted(out, message);
  if (!data_json.empty()) {
    out += R"(,"data":)";
    out += data_json;
  }
  out += "}}";
  return out;
}

std::string result_response(std::string_view id_json, std::string_view result_json) {
  std::string out;
  out.reserve(40 + id_json.size() + result_json.size());
  out += R"({"jsonrpc":"2.0","id":)";
  out += id_json;
  out += R"(,"result":)";
  out += result_json;
  out += "}";
  return out;
}

std::string request(std::string_view id_json, std::string_view method,
                    std::string_view params_json) {
  std::string out = R"({"jsonrpc":"2.0","id":)";
  out += id_json;
  out += R"(,"method":)";
  json::append_quoted(out, method);
  if (!params_json.empty()) {
    out += R"(,"params":)";
    out += params_json;
  }
  out += "}";
  return out;
}

std::string notification(std::string_view method, std::string_view params_json) {
  std::string out = R"({"jsonrpc":"2.0","method":)";
  json::append_quoted(out, method);
  if (!params_json.empty()) {
    out += R"(,"params":)";
    out += params_json;
  }
  out += "}";
  return out;
}

}  // namespace mcpgw::mcp
