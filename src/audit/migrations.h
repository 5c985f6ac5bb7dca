// The versioned SQL files under db/migrations/, compiled into the library so that a gateway
// binary can create and migrate its schema wherever it runs.
#pragma once
#include <string>
#include <vector>

namespace mcpgw::audit {

struct Migration {
  int version;       // from the file name: 0001_name.sql is version 1
  std::string name;  // the file name
  std::string sql;
};

// In version order.
const std::vector<Migration>& postgres_migrations();
const std::vector<Migration>& sqlite_migrations();

}  // namespace mcpgw::audit
