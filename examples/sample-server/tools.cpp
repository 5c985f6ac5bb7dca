#include "tools.h"

namespace mcpgw::sample {

std::vector<Tool> make_all_tools(const TextFileReader& files) {
  std::vector<Tool> tools;
  tools.push_back(make_time_now_tool());
  tools.push_back(make_hash_tool());
  tools.push_back(make_base64_tool());
  tools.push_back(make_uuid_tool());
  tools.push_back(make_json_query_tool());
  tools.push_back(make_calc_tool());
  tools.push_back(make_read_text_file_tool(files));
  return tools;
}

}  // namespace mcpgw::sample
