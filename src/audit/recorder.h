// The audit trail's public face: the gateway builds an Event per decision and outcome and
// hands it to Recorder::record(), which only enqueues; a writer thread batches events into
// the configured sink, spooling to a local file while the sink is away.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "audit/event.h"

namespace YAML {
class Node;
}

namespace mcpgw::audit {

enum class SinkKind { Sqlite, Postgres, Jsonl, None };
enum class OnFailure { FailClosed, FailOpen };

struct Settings {
  SinkKind sink = SinkKind::Sqlite;
  std::string path = "var/audit.db";              // sqlite database or JSON-lines file
  std::string dsn;                                // postgres: libpq connection string or URI
  size_t batch_size = 1000;                       // events per write
  std::chrono::milliseconds flush_interval{100};  // longest wait before a partial batch is written
  std::string spool_dir;  // empty: "<dir of path>/audit-spool" or var/audit-spool
  OnFailure on_failure = OnFailure::FailClosed;
  std::string instance;        // this gateway's chain name; empty: the host name
  size_t max_queue = 1000000;  // events held in memory at most; beyond it record() drops
  std::chrono::milliseconds connect_timeout{3000};
  // Fields redacted in every event's arguments, like those a call's policy obligations name:
  // a plain name matches that key at any depth, a dotted name that path from the root.
  std::vector<std::string> redact_fields;
};

// Reads the `audit:` section (may be undefined: defaults). Throws config::ConfigError
// (ops/config.h) naming the key and its line.
Settings load_settings(const YAML::Node& audit_section);

class Recorder {
 public:
  // Opens the spool (replaying what a previous run left) and starts the writer thread.
  // Throws std::runtime_error when the spool cannot be opened or is locked by another process.
  static std::unique_ptr<Recorder> create(Settings settings);
  virtual ~Recorder() = default;

  // Redacts e.arguments (fields named in `redact_fields`, by key anywhere or by dotted path
  // from the root, and values that look like secrets), assigns id and time, and enqueues.
  // With e.arguments_source, the parsing and redaction happen on the writer thread instead,
  // before the event reaches the spool or a sink. Non-blocking, thread-safe, never throws.
  virtual void record(Event e, const std::vector<std::string>& redact_fields = {}) noexcept = 0;

  // False when on_failure is fail_closed and nothing can be recorded at all (neither the sink
  // nor the spool takes events, or the queue is full): the gateway then refuses calls.
  virtual bool accepting() const noexcept = 0;

  struct Stats {
    uint64_t enqueued = 0;  // accepted by record()
    uint64_t written = 0;   // written to the sink directly
    uint64_t spooled = 0;   // written to the spool while the sink was away
    uint64_t replayed = 0;  // moved from the spool to the sink
    uint64_t dropped = 0;   // lost: queue full, or nothing could record them (fail_open)
    uint64_t queued = 0;    // waiting in memory now
  };
  virtual Stats stats() const noexcept = 0;

  // Drains the queue into the sink (or the spool) and stops the writer. Idempotent.
  virtual void shutdown() = 0;
};

// What `audit query` and the admin endpoint ask for. Empty fields do not filter.
struct QueryFilter {
  std::string subject, server, tool, decision, instance;
  int64_t since_us = 0;  // inclusive; 0: no lower bound
  int64_t until_us = 0;  // exclusive; 0: no upper bound
  size_t limit = 100;    // newest first
};

// The matching events as JSON lines (one event object per line, newest first).
// Throws std::runtime_error when the store cannot be read.
std::string query_json(const Settings& settings, const QueryFilter& filter);

}  // namespace mcpgw::audit
