// The sample server's resources: two fixed documents and a template over the root folder.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "file_access.h"
#include "protocol.h"
#include "tool.h"

namespace mcpgw::sample {

struct ResourceContext {
  const TextFileReader& files;
  const std::vector<Tool>& tools;
  std::function<json()> status;  // the live content of sample://status
};

json list_resources();           // the result of resources/list
json list_resource_templates();  // the result of resources/templates/list

// The result of resources/read; throws RpcError (-32002 unknown resource or missing file,
// -32602 for a path that is refused).
json read_resource(const std::string& uri, const ResourceContext& context);

}  // namespace mcpgw::sample
