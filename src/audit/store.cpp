#include "audit/store.h"

namespace mcpgw::audit {

std::unique_ptr<Store> make_store(const Settings& s) {
  switch (s.sink) {
    case SinkKind::Postgres:
      return make_postgres_store(s.dsn, s.connect_timeout);
    case SinkKind::Sqlite:
      return make_sqlite_store(s.path);
    case SinkKind::Jsonl:
      return make_jsonl_store(s.path);
    case SinkKind::None:
      break;
  }
  throw std::invalid_argument("audit: the sink is 'none': there is no audit store to read");
}

}  // namespace mcpgw::audit
