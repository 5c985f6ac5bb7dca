// The sample server's tools. Each make_*_tool lives in its own *_tool.cpp file.
#pragma once
#include <vector>

#include "file_access.h"
#include "tool.h"

namespace mcpgw::sample {

Tool make_time_now_tool();
Tool make_hash_tool();
Tool make_base64_tool();
Tool make_uuid_tool();
Tool make_json_query_tool();
Tool make_calc_tool();
Tool make_read_text_file_tool(const TextFileReader& files);  // `files` must outlive the tool

// Every tool, in the order tools/list shows them.
std::vector<Tool> make_all_tools(const TextFileReader& files);

}  // namespace mcpgw::sample
