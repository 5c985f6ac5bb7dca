// Where audit events live: one implementation per sink (PostgreSQL, SQLite, JSON lines).
// The recorder's writer thread writes through it; `audit query/verify/prune` read through it.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "audit/chain.h"
#include "audit/event.h"
#include "audit/recorder.h"

namespace mcpgw::audit {

// The store cannot be reached now (server down, disk busy): spool and retry later.
struct StoreUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The store refused the data itself: retrying the same batch will not help.
struct StoreRejected : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct PruneResult {
  uint64_t events_deleted = 0;
  uint64_t partitions_dropped = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Connects and applies pending migrations. Throws StoreUnavailable.
  virtual void open() = 0;
  virtual bool is_open() const = 0;
  virtual void close() = 0;

  // Writes a batch in one transaction. With `may_exist` (a replay from the spool), an event
  // whose id is already stored is skipped; without it the batch is new (fresh ids) and may take
  // a faster path. Throws StoreUnavailable or StoreRejected.
  virtual void write(const std::vector<Event>& batch, bool may_exist) = 0;

  // The last stored position of `instance`'s chain (or its prune anchor); nullopt if none.
  virtual std::optional<ChainHead> chain_head(const std::string& instance) = 0;

  // Reading, for the CLI and the admin endpoint. These throw std::runtime_error.
  virtual std::vector<Event> query(const QueryFilter& filter) = 0;
  virtual std::vector<std::string> instances() = 0;
  // Where `instance`'s chain starts after a prune; nullopt: at the genesis hash.
  virtual std::optional<ChainHead> anchor(const std::string& instance) = 0;
  // Calls `visit` for each event of `instance` in chain order (seq, then id).
  virtual void walk_chain(const std::string& instance,
                          const std::function<void(const Event&)>& visit) = 0;
  // Removes each chain's prefix of events older than `cutoff_us`, recording where it now starts.
  virtual PruneResult prune(int64_t cutoff_us) = 0;
};

std::unique_ptr<Store> make_postgres_store(const std::string& dsn,
                                           std::chrono::milliseconds connect_timeout);
std::unique_ptr<Store> make_sqlite_store(const std::string& path);
std::unique_ptr<Store> make_jsonl_store(const std::string& path);
// The store `settings` names (not opened). Throws std::invalid_argument for sink none.
std::unique_ptr<Store> make_store(const Settings& settings);

}  // namespace mcpgw::audit
