// The sample server's prompt: summarize_file, which embeds a file of the root folder.
#pragma once
#include <string>

#include "file_access.h"
#include "protocol.h"

namespace mcpgw::sample {

json list_prompts();  // the result of prompts/list

// The result of prompts/get; throws RpcError -32602 for an unknown prompt, a missing or wrong
// argument, or a file that cannot be read.
json get_prompt(const std::string& name, const json& arguments, const TextFileReader& files);

}  // namespace mcpgw::sample
