// base64: encode a text to base64, or decode base64 back to text.
#include "arguments.h"
#include "base64.h"
#include "tools.h"
#include "utf8.h"

namespace mcpgw::sample {
namespace {

ToolOutput run(const json& arguments) {
  reject_unknown_arguments(arguments, {"operation", "text", "url_safe"});
  std::string operation = required_string(arguments, "operation");
  require_one_of("operation", operation, {"encode", "decode"});
  std::string text = required_string(arguments, "text");
  bool url_safe = optional_bool(arguments, "url_safe").value_or(false);
  if (operation == "encode") return {base64_encode(text, url_safe), nullptr};
  std::string decoded;
  try {
    decoded = base64_decode(text, url_safe);
  } catch (const Base64Error& e) {
    throw ToolError(std::string("invalid base64: ") + e.what());
  }
  if (!is_valid_utf8(decoded)) {
    throw ToolError("the decoded " + std::to_string(decoded.size()) +
                    " bytes are not UTF-8 text, so they cannot be returned as a string");
  }
  return {decoded, nullptr};
}

}  // namespace

Tool make_base64_tool() {
  return Tool{
      .name = "base64",
      .title = "Base64 encode or decode",
      .description =
          "Encodes a text (its UTF-8 bytes) as base64, or decodes base64 to text. "
          "Decoding skips whitespace, accepts missing padding and fails with the "
          "offset of the first invalid character.",
      .input_schema = {{"type", "object"},
                       {"properties",
                        {{"operation", {{"type", "string"}, {"enum", {"encode", "decode"}}}},
                         {"text", {{"type", "string"}}},
                         {"url_safe",
                          {{"type", "boolean"},
                           {"description", "Use the URL-safe alphabet (- and _, no padding)"},
                           {"default", false}}}}},
                       {"required", {"operation", "text"}},
                       {"additionalProperties", false}},
      .output_schema = nullptr,
      .run = run,
  };
}

}  // namespace mcpgw::sample
