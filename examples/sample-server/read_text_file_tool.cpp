// read_text_file: reads a UTF-8 text file below the server's root folder (--root).
#include "arguments.h"
#include "tools.h"

namespace mcpgw::sample {

Tool make_read_text_file_tool(const TextFileReader& files) {
  return Tool{
      .name = "read_text_file",
      .title = "Read a text file",
      .description = "Reads a UTF-8 text file inside the server's root folder (" +
                     files.root().string() + "), up to " + std::to_string(files.max_bytes()) +
                     " bytes. Paths are relative to the root; '..' and absolute paths are "
                     "refused.",
      .input_schema = {{"type", "object"},
                       {"properties",
                        {{"path",
                          {{"type", "string"},
                           {"description", "Path relative to the root folder, e.g. docs/a.md"}}}}},
                       {"required", {"path"}},
                       {"additionalProperties", false}},
      .output_schema = nullptr,
      .run =
          [&files](const json& arguments) {
            reject_unknown_arguments(arguments, {"path"});
            std::string path = required_string(arguments, "path");
            try {
              return ToolOutput{files.read(path), nullptr};
            } catch (const FileAccessError& e) {
              throw ToolError(e.what());
            }
          },
  };
}

}  // namespace mcpgw::sample
