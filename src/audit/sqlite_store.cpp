// The SQLite sink and reader: the standalone default. WAL mode with synchronous=FULL, one
// transaction per batch, INSERT OR IGNORE so that a replayed event is skipped by its id.
#include <sqlite3.h>

#include <filesystem>
#include <set>

#include "audit/migrations.h"
#include "audit/store.h"

namespace mcpgw::audit {
namespace {

constexpr const char* kSelectColumns =
    "id, instance, seq, time, session_id, subject, roles, client_addr, user_agent, mcp_method, "
    "server, target, arguments, decision, reason, policy_revision, upstream_latency_us, outcome, "
    "error_code, response_bytes, trace_id, prev_hash, hash";

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
      throw StoreRejected("sqlite: " + std::string(sqlite3_errmsg(db)) +
                          " in: " + sql.substr(0, 60));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  // Without a copy: `v` must stay alive and unchanged until the statement is reset.
  void bind_static(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind_null(int i) { sqlite3_bind_null(stmt_, i); }
  // True while there is a row.
  bool step();
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, sqlite3_column_bytes(stmt_, col)) : std::string();
  }
  int64_t integer(int col) { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Errors that go away by themselves (locks, full or failing disk) make the store unavailable
// for now; anything else is a rejection.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, const std::string& what) {
  std::string msg = "sqlite: " + what + ": " + sqlite3_errmsg(db);
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR ||
      primary == SQLITE_FULL || primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY ||
      primary == SQLITE_PROTOCOL || primary == SQLITE_NOMEM)
    throw StoreUnavailable(msg);
  throw StoreRejected(msg);
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite(db_, rc, "step");
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::string path) : path_(std::move(path)) {}
  ~SqliteStore() override { close(); }

  void open() override {
    close();
    std::error_code ec;
    auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    int rc =
        sqlite3_open_v2(path_.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      close();
      throw StoreUnavailable("sqlite: cannot open " + path_ + ": " + msg);
    }
    try {
      sqlite3_busy_timeout(db_, 5000);
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=FULL");
      migrate();
    } catch (const std::exception& e) {
      close();
      throw StoreUnavailable(std::string("sqlite: cannot prepare ") + path_ + ": " + e.what());
    }
  }

  bool is_open() const override { return db_ != nullptr; }

  void close() override {
    insert_.reset();
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
  }

  void write(const std::vector<Event>& batch, bool /*may_exist*/) override {
    if (batch.empty()) return;
    require_open();
    if (!insert_) {
      insert_ = std::make_unique<Statement>(
          db_, "INSERT OR IGNORE INTO audit_events (" + std::string(kSelectColumns) +
                   ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    }
    exec("BEGIN IMMEDIATE");
    try {
      Statement& s = *insert_;
      for (const auto& e : batch) {
        // Texts bound without a copy: the event and these locals outlive the step.
        const std::string time = format_time(e.time_us);
        const std::string roles = roles_json(e);
        const std::string arguments = arguments_json(e);
        s.reset();
        s.bind_static(1, e.id);
        s.bind_static(2, e.instance);
        s.bind(3, e.seq);
        s.bind_static(4, time);
        s.bind_static(5, e.session_id);
        s.bind_static(6, e.subject);
        s.bind_static(7, roles);
        s.bind_static(8, e.client_addr);
        s.bind_static(9, e.user_agent);
        s.bind_static(10, e.mcp_method);
        s.bind_static(11, e.server);
        s.bind_static(12, e.target);
        s.bind_static(13, arguments);
        s.bind_static(14, e.decision);
        s.bind_static(15, e.reason);
        s.bind_static(16, e.policy_revision);
        s.bind(17, e.upstream_latency_us);
        s.bind_static(18, e.outcome);
        if (e.error_code)
          s.bind(19, *e.error_code);
        else
          s.bind_null(19);
        s.bind(20, e.response_bytes);
        s.bind_static(21, e.trace_id);
        s.bind_static(22, e.prev_hash);
        s.bind_static(23, e.hash);
        s.step();
      }
      s.reset();
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  std::optional<ChainHead> chain_head(const std::string& instance) override {
    require_open();
    Statement s(db_,
                "SELECT seq, hash FROM audit_events WHERE instance = ? ORDER BY seq DESC LIMIT 1");
    s.bind(1, instance);
    if (s.step()) return ChainHead{s.integer(0), s.text(1)};
    return anchor(instance);
  }

  std::vector<Event> query(const QueryFilter& f) override {
    require_open();
    std::string sql = std::string("SELECT ") + kSelectColumns + " FROM audit_events WHERE 1";
    std::vector<std::string> params;
    auto add = [&](const std::string& cond, std::string value) {
      sql += " AND " + cond + " ?";
      params.push_back(std::move(value));
    };
    if (!f.subject.empty()) add("subject =", f.subject);
    if (!f.server.empty()) add("server =", f.server);
    if (!f.tool.empty()) add("target =", f.tool);
    if (!f.decision.empty()) add("decision =", f.decision);
    if (!f.instance.empty()) add("instance =", f.instance);
    if (f.since_us) add("time >=", format_time(f.since_us));
    if (f.until_us) add("time <", format_time(f.until_us));
    sql += " ORDER BY time DESC, id DESC LIMIT " + std::to_string(f.limit);
    Statement s(db_, sql);
    for (size_t i = 0; i < params.size(); ++i) s.bind(static_cast<int>(i + 1), params[i]);
    std::vector<Event> out;
    while (s.step()) out.push_back(row_event(s));
    return out;
  }

  std::vector<std::string> instances() override {
    require_open();
    Statement s(db_,
                "SELECT instance FROM audit_events UNION SELECT instance FROM audit_chain_anchors "
                "ORDER BY instance");
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

  std::optional<ChainHead> anchor(const std::string& instance) override {
    require_open();
    Statement s(db_, "SELECT seq, hash FROM audit_chain_anchors WHERE instance = ?");
    s.bind(1, instance);
    if (s.step()) return ChainHead{s.integer(0), s.text(1)};
    return std::nullopt;
  }

  void walk_chain(const std::string& instance,
                  const std::function<void(const Event&)>& visit) override {
    require_open();
    Statement s(db_, std::string("SELECT ") + kSelectColumns +
                         " FROM audit_events WHERE instance = ? ORDER BY seq, id");
    s.bind(1, instance);
    while (s.step()) visit(row_event(s));
  }

  PruneResult prune(int64_t cutoff_us) override {
    require_open();
    PruneResult result;
    exec("BEGIN IMMEDIATE");
    try {
      Statement cut(db_,
                    "SELECT instance, max(seq) FROM audit_events WHERE time < ? GROUP BY instance");
      cut.bind(1, format_time(cutoff_us));
      while (cut.step()) {
        std::string instance = cut.text(0);
        int64_t seq = cut.integer(1);
        Statement anchor(db_,
                         "INSERT INTO audit_chain_anchors (instance, seq, hash, pruned_at) "
                         "SELECT instance, seq, hash, strftime('%Y-%m-%dT%H:%M:%fZ','now') "
                         "FROM audit_events WHERE instance = ? AND seq = ? ORDER BY id LIMIT 1 "
                         "ON CONFLICT (instance) DO UPDATE SET seq = excluded.seq, "
                         "hash = excluded.hash, pruned_at = excluded.pruned_at");
        anchor.bind(1, instance);
        anchor.bind(2, seq);
        anchor.step();
        Statement del(db_, "DELETE FROM audit_events WHERE instance = ? AND seq <= ?");
        del.bind(1, instance);
        del.bind(2, seq);
        del.step();
        result.events_deleted += static_cast<uint64_t>(sqlite3_changes(db_));
      }
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    return result;
  }

 private:
  void require_open() {
    if (!db_) open();
  }

  void exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (err) sqlite3_free(err);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, sql.substr(0, 60));
  }

  void migrate() {
    exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at TEXT NOT NULL)");
    exec("BEGIN IMMEDIATE");
    try {
      std::set<int64_t> applied;
      {
        Statement s(db_, "SELECT version FROM schema_migrations");
        while (s.step()) applied.insert(s.integer(0));
      }
      for (const auto& m : sqlite_migrations()) {
        if (applied.count(m.version)) continue;
        exec(m.sql);
        Statement s(db_,
                    "INSERT INTO schema_migrations (version, name, applied_at) "
                    "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
        s.bind(1, static_cast<int64_t>(m.version));
        s.bind(2, m.name);
        s.step();
      }
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  static Event row_event(Statement& s) {
    Event e;
    e.id = s.text(0);
    e.instance = s.text(1);
    e.seq = s.integer(2);
    e.time_us = parse_time(s.text(3));
    e.session_id = s.text(4);
    e.subject = s.text(5);
    e.roles = nlohmann::json::parse(s.text(6)).get<std::vector<std::string>>();
    e.client_addr = s.text(7);
    e.user_agent = s.text(8);
    e.mcp_method = s.text(9);
    e.server = s.text(10);
    e.target = s.text(11);
    e.arguments = nlohmann::json::parse(s.text(12));
    e.decision = s.text(13);
    e.reason = s.text(14);
    e.policy_revision = s.text(15);
    e.upstream_latency_us = s.integer(16);
    e.outcome = s.text(17);
    if (!s.is_null(18)) e.error_code = s.integer(18);
    e.response_bytes = s.integer(19);
    e.trace_id = s.text(20);
    e.prev_hash = s.text(21);
    e.hash = s.text(22);
    return e;
  }

  std::string path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Statement> insert_;
};

}  // namespace

std::unique_ptr<Store> make_sqlite_store(const std::string& path) {
  // SQLite's allocation statistics take a global mutex on every malloc; nothing reads them.
  // Only possible before SQLite initializes (later the call fails harmlessly).
  static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)memstatus_off;
  return std::make_unique<SqliteStore>(path);
}

}  // namespace mcpgw::audit
