// query_json: the admin endpoint's and `audit query --json`'s answer.
#include "audit/recorder.h"
#include "audit/store.h"

namespace mcpgw::audit {

std::string query_json(const Settings& settings, const QueryFilter& filter) {
  auto store = make_store(settings);
  store->open();
  std::string out;
  for (const auto& e : store->query(filter)) {
    out += to_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out.push_back('\n');
  }
  return out;
}

}  // namespace mcpgw::audit
