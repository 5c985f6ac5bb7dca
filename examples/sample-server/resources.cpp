#include "resources.h"

#include <cctype>

namespace mcpgw::sample {
namespace {

constexpr const char* kAboutUri = "sample://about";
constexpr const char* kStatusUri = "sample://status";
constexpr const char* kFilesPrefix = "sample://files/";

std::string about_text(const ResourceContext& context) {
  std::string text =
      "# mcp-gateway sample server\n\n"
      "A small MCP server over stdio that ships with mcp-gateway as a demonstration upstream.\n\n"
      "## Tools\n\n";
  for (const Tool& tool : context.tools)
    text += "- `" + tool.name + "`: " + tool.description + "\n";
  text +=
      "\n## Resources\n\n"
      "- `sample://about`: this page\n"
      "- `sample://status`: uptime and request counters (JSON)\n"
      "- `sample://files/{path}`: UTF-8 text files below the root folder `" +
      context.files.root().string() +
      "`\n\n"
      "## Prompts\n\n"
      "- `summarize_file`: asks the model to summarize one file of the root folder\n";
  return text;
}

// "%2F" and friends in a URI path: decoded before the path is checked.
std::string percent_decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(uint8_t(text[i + 1])) &&
        std::isxdigit(uint8_t(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

json contents(const std::string& uri, const std::string& mime, const std::string& text) {
  return {{"contents", json::array({{{"uri", uri}, {"mimeType", mime}, {"text", text}}})}};
}

}  // namespace

json list_resources() {
  return {{"resources",
           json::array({{{"uri", kAboutUri},
                         {"name", "about"},
                         {"title", "About this server"},
                         {"description", "What the sample server offers, in Markdown"},
                         {"mimeType", "text/markdown"}},
                        {{"uri", kStatusUri},
                         {"name", "status"},
                         {"title", "Server status"},
                         {"description", "Uptime, negotiated protocol version, request counters"},
                         {"mimeType", "application/json"}}})}};
}

json list_resource_templates() {
  return {{"resourceTemplates",
           json::array({{{"uriTemplate", "sample://files/{path}"},
                         {"name", "file"},
                         {"title", "Text file in the root folder"},
                         {"description", "A UTF-8 text file below the server's root folder"},
                         {"mimeType", "text/plain"}}})}};
}

json read_resource(const std::string& uri, const ResourceContext& context) {
  if (uri == kAboutUri) return contents(uri, "text/markdown", about_text(context));
  if (uri == kStatusUri) return contents(uri, "application/json", context.status().dump(2));
  if (uri.rfind(kFilesPrefix, 0) == 0) {
    std::string path = percent_decode(uri.substr(std::string(kFilesPrefix).size()));
    try {
      return contents(uri, "text/plain", context.files.read(path));
    } catch (const FileAccessError& e) {
      int code = e.kind == FileAccessError::Kind::NotFound ? error_code::kResourceNotFound
                                                           : error_code::kInvalidParams;
      throw RpcError(code, e.what(), {{"uri", uri}});
    }
  }
  throw RpcError(error_code::kResourceNotFound, "Resource not found: " + uri, {{"uri", uri}});
}

}  // namespace mcpgw::sample
