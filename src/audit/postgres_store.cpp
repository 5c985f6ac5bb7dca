// The PostgreSQL sink and reader, through libpq. New batches go in with one COPY into the
// partitioned table. Replays from the spool (which may hold events the database already
// committed) COPY into a per-connection staging table, then INSERT … SELECT … ON CONFLICT DO
// NOTHING: a replayed event is skipped by its primary key.
#include <libpq-fe.h>

#include <set>

#include "audit/migrations.h"
#include "audit/store.h"

namespace mcpgw::audit {
namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000LL;
constexpr const char* kColumns =
    "id, instance, seq, time, session_id, subject, roles, client_addr, user_agent, mcp_method, "
    "server, target, arguments, decision, reason, policy_revision, upstream_latency_us, outcome, "
    "error_code, response_bytes, trace_id, prev_hash, hash";
constexpr const char* kSelectColumns =
    "id::text, instance, seq, (extract(epoch from time) * 1000000)::bigint, session_id, subject, "
    "roles::text, client_addr, user_agent, mcp_method, server, target, arguments::text, decision, "
    "reason, policy_revision, upstream_latency_us, outcome, error_code, response_bytes, trace_id, "
    "prev_hash, hash";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Escapes one field for COPY's text format.
void append_copy_field(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out.push_back(c);
    }
  }
}

std::string day_string(int64_t day) {
  return format_time(day * kMicrosPerDay).substr(0, 10);
}

int64_t floor_day(int64_t time_us) {
  return time_us >= 0 ? time_us / kMicrosPerDay : -((-time_us + kMicrosPerDay - 1) / kMicrosPerDay);
}

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string dsn, std::chrono::milliseconds connect_timeout)
      : dsn_(std::move(dsn)), connect_timeout_(connect_timeout) {}
  ~PostgresStore() override { close(); }

  void open() override {
    close();
    std::string timeout = std::to_string(std::max<int64_t>(
        1, std::chrono::duration_cast<std::chrono::seconds>(connect_timeout_).count()));
    // Later keywords override earlier ones: the DSN's own settings win over these defaults.
    const char* keys[] = {"connect_timeout", "keepalives_idle", "application_name", "dbname",
                          nullptr};
    const char* values[] = {timeout.c_str(), "10", "mcp-gateway-audit", dsn_.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
      close();
      throw StoreUnavailable("postgres: cannot connect: " + trim(msg));
    }
    try {
      exec("SET TimeZone = 'UTC'");
      migrate();
      exec(std::string("CREATE TEMP TABLE IF NOT EXISTS audit_staging (LIKE audit_events) ") +
           "ON COMMIT DELETE ROWS");
    } catch (const StoreRejected& e) {
      close();
      throw StoreUnavailable(std::string("postgres: cannot prepare the schema: ") + e.what());
    }
  }

  bool is_open() const override { return conn_ != nullptr; }

  void close() override {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    known_days_.clear();
  }

  void write(const std::vector<Event>& batch, bool may_exist) override {
    if (batch.empty()) return;
    require_open();
    ensure_partitions(batch);
    std::string data;
    data.reserve(batch.size() * 600);
    for (const auto& e : batch) append_row(data, e);
    exec("BEGIN");
    try {
      if (may_exist) {
        // COPY cannot skip conflicts: stage, then insert what is not there yet.
        copy_in("COPY audit_staging (" + std::string(kColumns) + ") FROM STDIN", data);
        exec("INSERT INTO audit_events (" + std::string(kColumns) + ") SELECT " + kColumns +
             " FROM audit_staging ON CONFLICT DO NOTHING");
      } else {
        copy_in("COPY audit_events (" + std::string(kColumns) + ") FROM STDIN", data);
      }
      exec("COMMIT");
    } catch (...) {
      if (conn_ && PQstatus(conn_) == CONNECTION_OK) {
        Result r(PQexec(conn_, "ROLLBACK"));
      }
      throw;
    }
  }

  std::optional<ChainHead> chain_head(const std::string& instance) override {
    require_open();
    Result r = exec_params(
        "SELECT seq, hash FROM audit_events WHERE instance = $1 ORDER BY seq DESC LIMIT 1",
        {instance});
    if (PQntuples(r.get()) == 1)
      return ChainHead{std::stoll(PQgetvalue(r.get(), 0, 0)), PQgetvalue(r.get(), 0, 1)};
    return anchor(instance);
  }

  std::vector<Event> query(const QueryFilter& f) override {
    require_open();
    std::string sql = std::string("SELECT ") + kSelectColumns + " FROM audit_events WHERE true";
    std::vector<std::optional<std::string>> params;
    auto add = [&](const std::string& cond, std::string value) {
      params.push_back(std::move(value));
      sql += " AND " + cond + " $" + std::to_string(params.size());
    };
    if (!f.subject.empty()) add("subject =", f.subject);
    if (!f.server.empty()) add("server =", f.server);
    if (!f.tool.empty()) add("target =", f.tool);
    if (!f.decision.empty()) add("decision =", f.decision);
    if (!f.instance.empty()) add("instance =", f.instance);
    if (f.since_us) add("time >=", format_time(f.since_us));
    if (f.until_us) add("time <", format_time(f.until_us));
    sql += " ORDER BY time DESC, id DESC LIMIT " + std::to_string(f.limit);
    Result r = exec_params(sql, params);
    std::vector<Event> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(row_event(r.get(), i));
    return out;
  }

  std::vector<std::string> instances() override {
    require_open();
    Result r = exec_params(
        "SELECT instance FROM (SELECT DISTINCT instance FROM audit_events UNION "
        "SELECT instance FROM audit_chain_anchors) i ORDER BY instance",
        {});
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.emplace_back(PQgetvalue(r.get(), i, 0));
    return out;
  }

  std::optional<ChainHead> anchor(const std::string& instance) override {
    require_open();
    Result r =
        exec_params("SELECT seq, hash FROM audit_chain_anchors WHERE instance = $1", {instance});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return ChainHead{std::stoll(PQgetvalue(r.get(), 0, 0)), PQgetvalue(r.get(), 0, 1)};
  }

  void walk_chain(const std::string& instance,
                  const std::function<void(const Event&)>& visit) override {
    require_open();
    // Keyset pagination in chain order: memory stays bounded for any chain length.
    std::string last_seq = "-1", last_id = "00000000-0000-0000-0000-000000000000";
    while (true) {
      Result r = exec_params(std::string("SELECT ") + kSelectColumns +
                                 " FROM audit_events WHERE instance = $1 AND (seq, id) > "
                                 "($2::bigint, $3::uuid) ORDER BY seq, id LIMIT 5000",
                             {instance, last_seq, last_id});
      int n = PQntuples(r.get());
      for (int i = 0; i < n; ++i) visit(row_event(r.get(), i));
      if (n < 5000) break;
      last_id = PQgetvalue(r.get(), n - 1, 0);
      last_seq = PQgetvalue(r.get(), n - 1, 2);
    }
  }

  PruneResult prune(int64_t cutoff_us) override {
    require_open();
    PruneResult result;
    std::string cutoff = format_time(cutoff_us);
    exec("BEGIN");
    try {
      Result cut = exec_params(
          "SELECT instance, max(seq) FROM audit_events WHERE time < $1 GROUP BY instance",
          {cutoff});
      for (int i = 0; i < PQntuples(cut.get()); ++i) {
        std::string instance = PQgetvalue(cut.get(), i, 0);
        std::string seq = PQgetvalue(cut.get(), i, 1);
        Result upsert = exec_params(
            "INSERT INTO audit_chain_anchors (instance, seq, hash) SELECT instance, seq, hash "
            "FROM audit_events WHERE instance = $1 AND seq = $2::bigint ORDER BY id LIMIT 1 "
            "ON CONFLICT (instance) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, "
            "pruned_at = now()",
            {instance, seq});
        Result del = exec_params(
            "DELETE FROM audit_events WHERE instance = $1 AND seq <= $2::bigint", {instance, seq});
        result.events_deleted += std::stoull(PQcmdTuples(del.get()));
      }
      // Whole days before the cutoff that are now empty go as partitions (cheap and
      // returns the space at once).
      Result parts = exec_params(
          "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
          "WHERE i.inhparent = 'audit_events'::regclass AND c.relname ~ '^audit_events_p[0-9]{8}$' "
          "AND to_date(substring(c.relname from 15), 'YYYYMMDD') + 1 <= $1::timestamptz::date "
          "ORDER BY c.relname",
          {cutoff});
      for (int i = 0; i < PQntuples(parts.get()); ++i) {
        std::string name = PQgetvalue(parts.get(), i, 0);
        Result rows = exec_params("SELECT EXISTS (SELECT 1 FROM " + name + ")", {});
        if (std::string(PQgetvalue(rows.get(), 0, 0)) == "f") {
          exec("DROP TABLE " + name);
          ++result.partitions_dropped;
        }
      }
      exec("COMMIT");
    } catch (...) {
      if (conn_ && PQstatus(conn_) == CONNECTION_OK) Result r(PQexec(conn_, "ROLLBACK"));
      throw;
    }
    known_days_.clear();
    return result;
  }

 private:
  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  void require_open() {
    if (!conn_) open();
  }

  // Turns a failed command into the right exception, closing the connection when it is gone.
  [[noreturn]] void fail(const std::string& what, const PGresult* r) {
    std::string msg = trim(PQerrorMessage(conn_));
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    bool connection_lost = PQstatus(conn_) != CONNECTION_OK || sqlstate.rfind("08", 0) == 0 ||
                           sqlstate.rfind("57", 0) == 0 || sqlstate.rfind("53", 0) == 0 ||
                           sqlstate == "40001" || sqlstate == "40P01" || sqlstate.empty();
    std::string text = "postgres: " + what + ": " + msg;
    if (connection_lost) {
      close();
      throw StoreUnavailable(text);
    }
    throw StoreRejected(text);
  }

  Result exec(const std::string& sql) {
    Result r(PQexec(conn_, sql.c_str()));
    auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(sql.substr(0, 60), r.get());
    return r;
  }

  Result exec_params(const std::string& sql,
                     const std::vector<std::optional<std::string>>& params) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), nullptr, nullptr, 0));
    auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(sql.substr(0, 60), r.get());
    return r;
  }

  Result exec_params(const std::string& sql, std::initializer_list<std::string> params) {
    std::vector<std::optional<std::string>> p(params.begin(), params.end());
    return exec_params(sql, p);
  }

  void copy_in(const std::string& sql, const std::string& data) {
    Result start(PQexec(conn_, sql.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) fail("COPY", start.get());
    if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(conn_, nullptr) != 1)
      fail("COPY data", nullptr);
    Result done(PQgetResult(conn_));
    bool ok = PQresultStatus(done.get()) == PGRES_COMMAND_OK;
    // Drain what remains so that the connection is ready for the next command.
    while (Result more{PQgetResult(conn_)}) {
    }
    if (!ok) fail("COPY", done.get());
  }

  void migrate() {
    exec("SELECT pg_advisory_lock(4242000)");
    try {
      exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
          "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
      Result r = exec("SELECT version FROM schema_migrations");
      std::set<int> applied;
      for (int i = 0; i < PQntuples(r.get()); ++i)
        applied.insert(std::stoi(PQgetvalue(r.get(), i, 0)));
      for (const auto& m : postgres_migrations()) {
        if (applied.count(m.version)) continue;
        exec("BEGIN");
        try {
          exec(m.sql);
          exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)",
                      {std::to_string(m.version), m.name});
          exec("COMMIT");
        } catch (...) {
          if (conn_ && PQstatus(conn_) == CONNECTION_OK) Result rb(PQexec(conn_, "ROLLBACK"));
          throw;
        }
      }
    } catch (...) {
      if (conn_ && PQstatus(conn_) == CONNECTION_OK)
        Result un(PQexec(conn_, "SELECT pg_advisory_unlock(4242000)"));
      throw;
    }
    exec("SELECT pg_advisory_unlock(4242000)");
  }

  // Each day the batch touches gets its partition, and so does the next day, so that the
  // partition exists before the first event after midnight needs it.
  void ensure_partitions(const std::vector<Event>& batch) {
    std::set<int64_t> days;
    for (const auto& e : batch) {
      int64_t d = floor_day(e.time_us);
      if (!known_days_.count(d)) days.insert(d);
      if (!known_days_.count(d + 1)) days.insert(d + 1);
    }
    for (int64_t d : days) {
      exec_params("SELECT audit_ensure_partition($1::date)", {day_string(d)});
      known_days_.insert(d);
    }
  }

  static void append_row(std::string& out, const Event& e) {
    auto field = [&](std::string_view v) {
      append_copy_field(out, v);
      out.push_back('\t');
    };
    field(e.id);
    field(e.instance);
    field(std::to_string(e.seq));
    field(format_time(e.time_us));
    field(e.session_id);
    field(e.subject);
    field(roles_json(e));
    field(e.client_addr);
    field(e.user_agent);
    field(e.mcp_method);
    field(e.server);
    field(e.target);
    field(arguments_json(e));
    field(e.decision);
    field(e.reason);
    field(e.policy_revision);
    field(std::to_string(e.upstream_latency_us));
    field(e.outcome);
    if (e.error_code)
      field(std::to_string(*e.error_code));
    else
      out += "\\N\t";
    field(std::to_string(e.response_bytes));
    field(e.trace_id);
    field(e.prev_hash);
    append_copy_field(out, e.hash);
    out.push_back('\n');
  }

  static Event row_event(const PGresult* r, int i) {
    auto text = [&](int col) { return std::string(PQgetvalue(r, i, col)); };
    auto num = [&](int col) { return std::stoll(PQgetvalue(r, i, col)); };
    Event e;
    e.id = text(0);
    e.instance = text(1);
    e.seq = num(2);
    e.time_us = num(3);
    e.session_id = text(4);
    e.subject = text(5);
    e.roles = nlohmann::json::parse(text(6)).get<std::vector<std::string>>();
    e.client_addr = text(7);
    e.user_agent = text(8);
    e.mcp_method = text(9);
    e.server = text(10);
    e.target = text(11);
    e.arguments = nlohmann::json::parse(text(12));
    e.decision = text(13);
    e.reason = text(14);
    e.policy_revision = text(15);
    e.upstream_latency_us = num(16);
    e.outcome = text(17);
    if (!PQgetisnull(r, i, 18)) e.error_code = num(18);
    e.response_bytes = num(19);
    e.trace_id = text(20);
    e.prev_hash = text(21);
    e.hash = text(22);
    return e;
  }

  std::string dsn_;
  std::chrono::milliseconds connect_timeout_;
  PGconn* conn_ = nullptr;
  std::set<int64_t> known_days_;
};

}  // namespace

std::unique_ptr<Store> make_postgres_store(const std::string& dsn,
                                           std::chrono::milliseconds connect_timeout) {
  return std::make_unique<PostgresStore>(dsn, connect_timeout);
}

}  // namespace mcpgw::audit
