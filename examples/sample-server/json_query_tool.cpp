// json_query: pretty-print a JSON document, or the value at a JSON Pointer (RFC 6901) inside it.
#include "arguments.h"
#include "tools.h"

namespace mcpgw::sample {
namespace {

constexpr size_t kMaxDocumentBytes = 1 << 20;
constexpr int kMaxDepth = 256;  // printing is recursive: a deeper document is refused

json parse_document(const std::string& text) {
  bool too_deep = false;
  json::parser_callback_t limit_depth = [&](int depth, json::parse_event_t, json&) {
    if (depth > kMaxDepth) too_deep = true;
    return !too_deep;  // stop keeping values once the limit is hit
  };
  json document;
  try {
    document = json::parse(text, limit_depth);
  } catch (const json::parse_error& e) {
    throw ToolError(std::string("the document is not valid JSON: ") + e.what());
  }
  if (too_deep) {
    throw ToolError("the document nests deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  return document;
}

ToolOutput run(const json& arguments) {
  reject_unknown_arguments(arguments, {"json", "pointer", "indent"});
  std::string text = required_string(arguments, "json");
  std::string pointer = optional_string(arguments, "pointer").value_or("");
  int indent = static_cast<int>(optional_integer(arguments, "indent", 0, 8).value_or(2));
  if (text.size() > kMaxDocumentBytes) {
    throw ToolError("the document is " + std::to_string(text.size()) + " bytes; the limit is " +
                    std::to_string(kMaxDocumentBytes));
  }
  json document = parse_document(text);
  json::json_pointer where;
  try {
    where = json::json_pointer(pointer);
  } catch (const json::parse_error& e) {
    throw ToolError("invalid JSON Pointer '" + pointer +
                    "': it must be empty or start with '/', with ~0 for '~' and ~1 for '/'");
  }
  const json* value = nullptr;
  try {
    value = &document.at(where);
  } catch (const json::exception&) {
    throw ToolError("nothing at JSON Pointer '" + pointer + "' in the document");
  }
  return {value->dump(indent == 0 ? -1 : indent, ' ', false, json::error_handler_t::replace),
          nullptr};
}

}  // namespace

Tool make_json_query_tool() {
  return Tool{
      .name = "json_query",
      .title = "Query or pretty-print JSON",
      .description =
          "Parses a JSON document and returns it pretty-printed, or only the value at "
          "a JSON Pointer (RFC 6901, e.g. /items/0/name). Parse errors name the byte "
          "offset.",
      .input_schema = {{"type", "object"},
                       {"properties",
                        {{"json", {{"type", "string"}, {"description", "The JSON document"}}},
                         {"pointer",
                          {{"type", "string"},
                           {"description", "JSON Pointer; empty for the whole document"},
                           {"default", ""}}},
                         {"indent",
                          {{"type", "integer"},
                           {"minimum", 0},
                           {"maximum", 8},
                           {"default", 2},
                           {"description", "Spaces per level; 0 for compact output"}}}}},
                       {"required", {"json"}},
                       {"additionalProperties", false}},
      .output_schema = nullptr,
      .run = run,
  };
}

}  // namespace mcpgw::sample
