// What a tool of the sample server is: a name, a schema for its arguments, and a function.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace mcpgw::sample {
using json = nlohmann::json;

// A failure the model can act on (bad argument, missing file): it becomes a tool result with
// isError set, not a JSON-RPC error, so the model sees the message and can correct itself.
struct ToolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A tool's answer: the text shown to the model and, for tools with an output schema, the same
// data as structured content.
struct ToolOutput {
  std::string text;
  json structured;  // null when the tool declares no output schema
};

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  json input_schema;
  json output_schema;  // null: the tool returns text only
  std::function<ToolOutput(const json& arguments)> run;
};

}  // namespace mcpgw::sample
