#include "responder.h"

#include <nlohmann/json.hpp>
#include <random>

namespace mcpgw::bench {
namespace {
using json = nlohmann::json;

Reply error_reply(unsigned status, const json& id, int code, const std::string& message) {
  json body = {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
  return {status, body.dump(), {}};
}

std::string result_body(const json& id, const std::string& result) {
  return R"({"jsonrpc":"2.0","id":)" + id.dump() + R"(,"result":)" + result + "}";
}

std::string negotiate(const json& params) {
  std::string requested = params.value("protocolVersion", "");
  for (const char* v : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}) {
    if (requested == v) return requested;
  }
  return "2025-11-25";
}

constexpr const char* kToolsList =
    R"({"tools":[{"name":"echo","description":"Returns the message argument as text",)"
    R"("inputSchema":{"type":"object","properties":{"message":{"type":"string"}},)"
    R"("required":["message"]}}]})";

}  // namespace

Responder::Responder() {
  std::random_device random;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%08x%08x", random(), random());
  prefix_ = std::string(hex) + "-";
}

bool Responder::is_known_session(std::string_view session) const {
  return session.size() > prefix_.size() && session.substr(0, prefix_.size()) == prefix_;
}

Reply Responder::handle_post(std::string_view body, std::string_view session) const {
  json message = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) return error_reply(400, nullptr, -32700, "Parse error");
  if (!message.is_object()) return error_reply(400, nullptr, -32600, "Invalid Request");
  auto id = message.find("id");
  auto method = message.find("method");
  if (method == message.end() || !method->is_string()) {
    // A response to us (we send no requests) or garbage without a method.
    if (id != message.end() && (message.contains("result") || message.contains("error"))) {
      return {202, {}, {}};
    }
    return error_reply(400, nullptr, -32600, "Invalid Request");
  }
  if (id == message.end()) return {202, {}, {}};  // a notification
  if (!id->is_string() && !id->is_number_integer()) {
    return error_reply(400, nullptr, -32600, "Invalid Request: id must be a string or an integer");
  }
  const std::string& name = method->get_ref<const std::string&>();
  static const json kNoParams = json::object();
  auto params_it = message.find("params");
  const json& params =
      params_it != message.end() && params_it->is_object() ? *params_it : kNoParams;

  if (name == "initialize") {
    std::string session_id = prefix_ + std::to_string(next_session_++);
    json result = {{"protocolVersion", negotiate(params)},
                   {"capabilities", {{"tools", json::object()}}},
                   {"serverInfo", {{"name", "fast-upstream"}, {"version", "0.1.0"}}}};
    return {200, result_body(*id, result.dump()), session_id};
  }
  if (!is_known_session(session)) {
    return error_reply(session.empty() ? 400 : 404, *id, -32600,
                       session.empty() ? "Missing Mcp-Session-Id" : "Unknown session");
  }
  if (name == "ping") return {200, result_body(*id, "{}"), {}};
  if (name == "tools/list") return {200, result_body(*id, kToolsList), {}};
  if (name == "tools/call") {
    if (params.value("name", "") != "echo") return error_reply(200, *id, -32602, "Unknown tool");
    static const json kNoArguments = json::object();
    auto args_it = params.find("arguments");
    const json& args = args_it != params.end() ? *args_it : kNoArguments;
    auto text_it = args.is_object() ? args.find("message") : args.end();
    std::string text = args.is_object() && text_it != args.end() && text_it->is_string()
                           ? text_it->get<std::string>()
                           : args.dump();
    return {200,
            result_body(*id, R"({"content":[{"type":"text","text":)" + json(text).dump() +
                                 R"(}],"isError":false})"),
            {}};
  }
  return error_reply(200, *id, -32601, "Method not found: " + name);
}

}  // namespace mcpgw::bench
