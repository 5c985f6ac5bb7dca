// uuid: random (v4) or time-ordered (v7) UUIDs from OpenSSL's CSPRNG (RFC 9562).
#include <openssl/rand.h>

#include <array>
#include <chrono>

#include "arguments.h"
#include "tools.h"

namespace mcpgw::sample {
namespace {

std::string format_uuid(const std::array<unsigned char, 16>& b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kDigits[b[i] >> 4];
    text += kDigits[b[i] & 15];
  }
  return text;
}

std::string make_uuid(int version) {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    throw ToolError("the random number generator failed");
  }
  if (version == 7) {  // 48-bit big-endian Unix milliseconds, then random bits
    uint64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | (version << 4));
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 9562 variant
  return format_uuid(b);
}

ToolOutput run(const json& arguments) {
  reject_unknown_arguments(arguments, {"version", "count"});
  int64_t version = optional_integer(arguments, "version", 4, 7).value_or(4);
  if (version != 4 && version != 7) {
    throw ToolError("argument 'version' must be 4 or 7, got " + std::to_string(version));
  }
  int64_t count = optional_integer(arguments, "count", 1, 100).value_or(1);
  json uuids = json::array();
  std::string text;
  for (int64_t i = 0; i < count; ++i) {
    std::string id = make_uuid(static_cast<int>(version));
    text += (i ? "\n" : "") + id;
    uuids.push_back(id);
  }
  return {text, {{"version", version}, {"uuids", uuids}}};
}

}  // namespace

Tool make_uuid_tool() {
  return Tool{
      .name = "uuid",
      .title = "Generate UUIDs",
      .description =
          "Generates UUIDs: version 4 (random) or version 7 (time-ordered, sortable "
          "by creation time), one per line.",
      .input_schema =
          {{"type", "object"},
           {"properties",
            {{"version", {{"type", "integer"}, {"enum", {4, 7}}, {"default", 4}}},
             {"count", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 1}}}}},
           {"additionalProperties", false}},
      .output_schema = {{"type", "object"},
                        {"properties",
                         {{"version", {{"type", "integer"}}},
                          {"uuids", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
                        {"required", {"version", "uuids"}}},
      .run = run,
  };
}

}  // namespace mcpgw::sample
