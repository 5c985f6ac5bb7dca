#include "prompts.h"

namespace mcpgw::sample {

json list_prompts() {
  return {{"prompts",
           json::array(
               {{{"name", "summarize_file"},
                 {"title", "Summarize a file"},
                 {"description", "Asks for a summary of a text file of the root folder"},
                 {"arguments", json::array({{{"name", "path"},
                                             {"description", "Path relative to the root folder"},
                                             {"required", true}},
                                            {{"name", "audience"},
                                             {"description",
                                              "Who the summary is for (default: a "
                                              "developer new to the project)"},
                                             {"required", false}}})}}})}};
}

json get_prompt(const std::string& name, const json& arguments, const TextFileReader& files) {
  if (name != "summarize_file") {
    throw RpcError(error_code::kInvalidParams, "Unknown prompt: " + name);
  }
  for (const auto& [key, value] : arguments.items()) {
    if (key != "path" && key != "audience") {
      throw RpcError(error_code::kInvalidParams, "Unknown argument for summarize_file: " + key);
    }
    if (!value.is_string()) {
      throw RpcError(error_code::kInvalidParams, "Prompt argument '" + key + "' must be a string");
    }
  }
  if (!arguments.contains("path")) {
    throw RpcError(error_code::kInvalidParams, "Missing required argument 'path'");
  }
  std::string path = arguments["path"];
  std::string audience = arguments.value("audience", "a developer new to the project");
  std::string text;
  try {
    text = files.read(path);
  } catch (const FileAccessError& e) {
    throw RpcError(error_code::kInvalidParams, std::string("Cannot use this file: ") + e.what());
  }
  json messages = json::array(
      {{{"role", "user"},
        {"content",
         {{"type", "text"},
          {"text", "Summarize the file " + path + " below for " + audience +
                       ": its purpose, its main parts, and anything surprising. Keep it under "
                       "200 words."}}}},
       {{"role", "user"},
        {"content",
         {{"type", "resource"},
          {"resource",
           {{"uri", "sample://files/" + path}, {"mimeType", "text/plain"}, {"text", text}}}}}}});
  return {{"description", "Summary of " + path}, {"messages", messages}};
}

}  // namespace mcpgw::sample
