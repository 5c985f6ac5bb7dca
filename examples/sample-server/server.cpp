#include "server.h"

#include "prompts.h"
#include "resources.h"
#include "tools.h"

namespace mcpgw::sample {
namespace {

constexpr const char* kServerName = "mcp-gateway-sample-server";
constexpr const char* kServerVersion = "0.1.0";

std::string serialize(const json& value) {
  // Replace, never throw, on invalid UTF-8: a reply must always go out.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json error_response(const json& id, int code, const std::string& message,
                    const json& data = nullptr) {
  json error = {{"code", code}, {"message", message}};
  if (!data.is_null()) error["data"] = data;
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", error}};
}

// A cursor is only valid if this server issued it, and it never does: one page holds everything.
void reject_cursor(const json& params) {
  if (params.contains("cursor")) {
    throw RpcError(error_code::kInvalidParams, "Invalid cursor: this server returns one page");
  }
}

const std::string& string_param(const json& params, const char* key) {
  auto it = params.find(key);
  if (it == params.end()) {
    throw RpcError(error_code::kInvalidParams,
                   std::string("Missing required parameter '") + key + "'");
  }
  if (!it->is_string()) {
    throw RpcError(error_code::kInvalidParams,
                   std::string("Parameter '") + key + "' must be a string");
  }
  return it->get_ref<const std::string&>();
}

json object_param(const json& params, const char* key) {
  auto it = params.find(key);
  if (it == params.end() || it->is_null()) return json::object();
  if (!it->is_object()) {
    throw RpcError(error_code::kInvalidParams,
                   std::string("Parameter '") + key + "' must be an object");
  }
  return *it;
}

}  // namespace

Server::Server(TextFileReader files) : files_(std::move(files)), tools_(make_all_tools(files_)) {}

std::optional<std::string> Server::handle_line(std::string_view line) {
  json message;
  try {
    message = json::parse(line);
  } catch (const json::parse_error& e) {
    return serialize(
        error_response(nullptr, error_code::kParseError, std::string("Parse error: ") + e.what()));
  }
  if (message.is_array()) {
    if (message.empty()) {
      return serialize(
          error_response(nullptr, error_code::kInvalidRequest, "Invalid Request: empty batch"));
    }
    json replies = json::array();
    for (const json& item : message) {
      if (auto reply = handle_message(item)) replies.push_back(std::move(*reply));
    }
    if (replies.empty()) return std::nullopt;  // a batch of notifications gets no reply
    return serialize(replies);
  }
  auto reply = handle_message(message);
  if (!reply) return std::nullopt;
  return serialize(*reply);
}

std::optional<json> Server::handle_message(const json& message) {
  if (!message.is_object()) {
    return error_response(nullptr, error_code::kInvalidRequest,
                          "Invalid Request: a message must be a JSON object");
  }
  auto id_it = message.find("id");
  bool has_id = id_it != message.end();
  json id = has_id ? *id_it : json(nullptr);
  // MCP ids are strings or integers; an invalid one cannot be echoed back.
  bool id_valid = has_id && (id.is_string() || id.is_number_integer());
  auto version = message.find("jsonrpc");
  if (version == message.end() || *version != "2.0") {
    return error_response(id_valid ? id : json(nullptr), error_code::kInvalidRequest,
                          "Invalid Request: \"jsonrpc\" must be \"2.0\"");
  }
  auto method_it = message.find("method");
  if (method_it == message.end()) {
    if (message.contains("result") || message.contains("error")) return std::nullopt;  // reply
    return error_response(id_valid ? id : json(nullptr), error_code::kInvalidRequest,
                          "Invalid Request: no \"method\"");
  }
  if (!method_it->is_string()) {
    return error_response(id_valid ? id : json(nullptr), error_code::kInvalidRequest,
                          "Invalid Request: \"method\" must be a string");
  }
  const std::string& method = method_it->get_ref<const std::string&>();
  if (has_id && !id_valid) {
    return error_response(nullptr, error_code::kInvalidRequest,
                          "Invalid Request: \"id\" must be a string or an integer");
  }
  auto params_it = message.find("params");
  if (params_it != message.end() && !params_it->is_object()) {
    if (!has_id) return std::nullopt;
    return error_response(id, error_code::kInvalidParams,
                          "Invalid params: \"params\" must be an object");
  }
  json params = params_it == message.end() ? json::object() : *params_it;

  if (!has_id) {  // a notification: act on it, never answer
    if (method == "notifications/initialized") client_ready_ = initialized_;
    return std::nullopt;  // cancelled, progress and others need nothing here: calls are instant
  }
  ++requests_;
  try {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", dispatch(method, params)}};
  } catch (const RpcError& e) {
    return error_response(id, e.code, e.what(), e.data);
  } catch (const std::exception& e) {
    return error_response(id, error_code::kInternalError,
                          std::string("Internal error: ") + e.what());
  }
}

json Server::dispatch(const std::string& method, const json& params) {
  if (method == "initialize") return initialize(params);
  if (method == "ping") return json::object();
  if (!initialized_) {
    throw RpcError(error_code::kInvalidRequest,
                   "Invalid Request: send initialize before " + method);
  }
  if (method == "tools/list") {
    reject_cursor(params);
    json tools = json::array();
    for (const Tool& tool : tools_) {
      json entry = {{"name", tool.name},
                    {"title", tool.title},
                    {"description", tool.description},
                    {"inputSchema", tool.input_schema},
                    {"annotations", {{"readOnlyHint", true}, {"openWorldHint", false}}}};
      // outputSchema obliges structuredContent, which exists only since 2025-06-18.
      if (!tool.output_schema.is_null() && protocol_version_ >= "2025-06-18") {
        entry["outputSchema"] = tool.output_schema;
      }
      tools.push_back(std::move(entry));
    }
    return {{"tools", tools}};
  }
  if (method == "tools/call") return call_tool(params);
  if (method == "resources/list") return reject_cursor(params), list_resources();
  if (method == "resources/templates/list") return reject_cursor(params), list_resource_templates();
  if (method == "resources/read") {
    return read_resource(string_param(params, "uri"),
                         ResourceContext{files_, tools_, [this] { return status(); }});
  }
  if (method == "prompts/list") return reject_cursor(params), list_prompts();
  if (method == "prompts/get") {
    return get_prompt(string_param(params, "name"), object_param(params, "arguments"), files_);
  }
  throw RpcError(error_code::kMethodNotFound, "Method not found: " + method);
}

json Server::initialize(const json& params) {
  if (initialized_)
    throw RpcError(error_code::kInvalidRequest, "Invalid Request: already initialized");
  const std::string& requested = string_param(params, "protocolVersion");
  object_param(params, "capabilities");  // must be an object; the server needs none of it
  client_info_ = object_param(params, "clientInfo");
  protocol_version_ = negotiate_protocol_version(requested);
  initialized_ = true;
  return {{"protocolVersion", protocol_version_},
          {"capabilities",
           {{"tools", {{"listChanged", false}}},
            {"resources", {{"subscribe", false}, {"listChanged", false}}},
            {"prompts", {{"listChanged", false}}}}},
          {"serverInfo",
           {{"name", kServerName},
            {"title", "mcp-gateway sample server"},
            {"version", kServerVersion}}},
          {"instructions",
           "Utility tools: time_now, hash, base64, uuid, json_query, calc, read_text_file. "
           "Read sample://about for details."}};
}

json Server::call_tool(const json& params) {
  const std::string& name = string_param(params, "name");
  json arguments = object_param(params, "arguments");
  const Tool* tool = nullptr;
  for (const Tool& t : tools_) tool = t.name == name ? &t : tool;
  if (!tool) throw RpcError(error_code::kInvalidParams, "Unknown tool: " + name);
  ++tool_calls_;
  try {
    ToolOutput output = tool->run(arguments);
    json result = {{"content", json::array({{{"type", "text"}, {"text", output.text}}})},
                   {"isError", false}};
    // Same condition as outputSchema in tools/list: older clients get the text only.
    if (!output.structured.is_null() && protocol_version_ >= "2025-06-18") {
      result["structuredContent"] = output.structured;
    }
    return result;
  } catch (const ToolError& e) {
    ++tool_errors_;
    return {{"content", json::array({{{"type", "text"}, {"text", e.what()}}})}, {"isError", true}};
  }
}

json Server::status() const {
  auto uptime = std::chrono::steady_clock::now() - started_;
  return {{"server", kServerName},
          {"version", kServerVersion},
          {"protocolVersion", protocol_version_},
          {"client", client_info_},
          {"clientInitialized", client_ready_},
          {"uptimeSeconds", std::chrono::duration_cast<std::chrono::seconds>(uptime).count()},
          {"requests", requests_},
          {"toolCalls", tool_calls_},
          {"toolErrors", tool_errors_},
          {"root", files_.root().string()}};
}

}  // namespace mcpgw::sample
