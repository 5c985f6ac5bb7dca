// The recorder against a real PostgreSQL 15 server: rows, partitions and migrations, the
// outage (fault) test, the SIGKILL (crash) test, and secrets never reaching the database.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include "audit/recorder.h"
#include "audit/store.h"
#include "audit/verify.h"
#include "test_support.h"

namespace mcpgw::audit {
namespace {

using test::PgCluster;
using test::PgConn;
using test::TempDir;

Settings pg_settings(const std::string& dsn, const std::string& spool,
                     const std::string& instance) {
  Settings s;
  s.sink = SinkKind::Postgres;
  s.dsn = dsn;
  s.spool_dir = spool;
  s.instance = instance;
  s.batch_size = 100;
  s.flush_interval = std::chrono::milliseconds(20);
  s.connect_timeout = std::chrono::milliseconds(1000);
  return s;
}

TEST(PostgresRecorder, WritesAllowedAndDeniedEventsWithEveryField) {
  std::string dsn = PgCluster::get().create_database("audit_rows");
  TempDir tmp;
  auto rec = Recorder::create(pg_settings(dsn, tmp.file("spool"), "gw-rows"));
  rec->record(test::sample_event(1, "allow"));
  rec->record(test::sample_event(2, "deny"));
  rec->shutdown();
  EXPECT_EQ(rec->stats().written, 2u);

  PgConn db(dsn);
  auto rows = db.rows(
      "SELECT decision, outcome, subject, roles::text, mcp_method, server, target, "
      "arguments->>'message', reason, policy_revision, upstream_latency_us, error_code, "
      "response_bytes, trace_id, instance, seq, session_id, client_addr, user_agent, "
      "length(hash), prev_hash = repeat('0', 64) FROM audit_events ORDER BY seq");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"allow",
                                               "success",
                                               "user-1",
                                               "[\"user\"]",
                                               "tools/call",
                                               "sample",
                                               "sample__echo",
                                               "hello 1",
                                               "role user may call echo",
                                               "rev-1",
                                               "1234",
                                               "<null>",
                                               "321",
                                               "t-1",
                                               "gw-rows",
                                               "1",
                                               "sess-1",
                                               "127.0.0.1:50000",
                                               "audit-test/1.0",
                                               "64",
                                               "t"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"deny",
                                               "denied",
                                               "user-2",
                                               "[\"user\"]",
                                               "tools/call",
                                               "sample",
                                               "sample__echo",
                                               "hello 2",
                                               "tool not allowed for role user",
                                               "rev-1",
                                               "0",
                                               "-32003",
                                               "0",
                                               "t-2",
                                               "gw-rows",
                                               "2",
                                               "sess-2",
                                               "127.0.0.1:50000",
                                               "audit-test/1.0",
                                               "64",
                                               "f"}));
  // The second event links to the first.
  EXPECT_EQ(db.scalar("SELECT (SELECT prev_hash FROM audit_events WHERE seq = 2) = "
                      "(SELECT hash FROM audit_events WHERE seq = 1)"),
            "t");
  // Ids are UUIDv7, in chain order.
  EXPECT_EQ(
      db.scalar("SELECT count(*) FROM audit_events WHERE id::text ~ '^[0-9a-f]{8}-[0-9a-f]{4}-7'"),
      "2");
  EXPECT_EQ(db.scalar("SELECT bool_and(ok) FROM (SELECT id > lag(id) OVER (ORDER BY seq) AS ok "
                      "FROM audit_events) x WHERE ok IS NOT NULL"),
            "t");
}

TEST(PostgresRecorder, MigrationsAreVersionedAndPartitionsAreDaily) {
  std::string dsn = PgCluster::get().create_database("audit_schema");
  TempDir tmp;
  {
    auto rec = Recorder::create(pg_settings(dsn, tmp.file("spool"), "gw-schema"));
    Event old = test::sample_event(1);
    old.time_us = parse_time("2026-01-15T12:00:00Z");
    rec->record(old);
    rec->record(test::sample_event(2));
    rec->shutdown();
  }
  // A second start applies nothing twice.
  auto again = Recorder::create(pg_settings(dsn, tmp.file("spool"), "gw-schema"));
  again->shutdown();
  PgConn db(dsn);
  EXPECT_EQ(db.scalar("SELECT string_agg(version::text || ':' || name, ',' ORDER BY version) FROM "
                      "schema_migrations"),
            "1:0001_audit_events.sql");
  EXPECT_EQ(
      db.scalar(
          "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'audit_events'::regclass"),
      "r");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_class WHERE relname = 'audit_events_p20260115'"),
            "1");
  EXPECT_EQ(db.scalar("SELECT tableoid::regclass::text FROM audit_events WHERE trace_id = 't-1'"),
            "audit_events_p20260115");
  // Created ahead: the day after each event's day exists too.
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_class WHERE relname = 'audit_events_p20260116'"),
            "1");
  auto idx =
      db.rows("SELECT indexname FROM pg_indexes WHERE tablename = 'audit_events' ORDER BY 1");
  std::set<std::string> names;
  for (auto& r : idx) names.insert(r[0]);
  for (const char* want : {"audit_events_subject_time", "audit_events_target_time",
                           "audit_events_time", "audit_events_decision_time", "audit_events_chain"})
    EXPECT_TRUE(names.count(want)) << want;
}

// A steady stream of record() calls while PostgreSQL stops for several seconds and comes back:
// afterwards every event is in the database exactly once, and the chain verifies.
TEST(PostgresRecorder, FaultTestOutageLosesNothingAndDuplicatesNothing) {
  std::string dsn = PgCluster::get().create_database("audit_fault");
  TempDir tmp;
  auto rec = Recorder::create(pg_settings(dsn, tmp.file("spool"), "gw-fault"));
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::thread producer([&] {
    for (int i = 0; !stop; ++i) {
      rec->record(test::sample_event(i));
      sent = i + 1;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  PgCluster::get().pause();
  std::this_thread::sleep_for(std::chrono::seconds(4));
  uint64_t spooled_during_outage = rec->stats().spooled;
  PgCluster::get().resume();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  stop = true;
  producer.join();
  rec->shutdown();

  auto st = rec->stats();
  int n = sent;
  ASSERT_GT(n, 1000);
  EXPECT_GT(spooled_during_outage, 0u) << "the outage did not reach the recorder";
  EXPECT_GT(st.replayed, 0u);
  EXPECT_EQ(st.enqueued, static_cast<uint64_t>(n));
  EXPECT_EQ(st.dropped, 0u);

  PgConn db(dsn);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events"), std::to_string(n));
  EXPECT_EQ(db.scalar("SELECT count(DISTINCT id) FROM audit_events"), std::to_string(n));
  auto traces = db.rows("SELECT trace_id FROM audit_events");
  std::set<std::string> got;
  for (auto& r : traces) got.insert(r[0]);
  std::set<std::string> want;
  for (int i = 0; i < n; ++i) want.insert("t-" + std::to_string(i));
  EXPECT_EQ(got, want);

  auto store = make_postgres_store(dsn, std::chrono::seconds(2));
  auto reports = verify_chains(*store);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].problem) << reports[0].problem->detail;
  EXPECT_EQ(reports[0].events, static_cast<uint64_t>(n));
}

// A gateway process records events while the database is down and dies by SIGKILL; the
// next recorder replays its spool and every event arrives once, the chain intact.
TEST(PostgresRecorder, CrashTestSpoolSurvivesSigkill) {
  std::string dsn = PgCluster::get().create_database("audit_crash");
  TempDir tmp;
  std::string spool = tmp.file("spool");
  const int kEvents = 500;
  PgCluster::get().pause();
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(AUDIT_CHILD_PATH, AUDIT_CHILD_PATH, dsn.c_str(), spool.c_str(),
          std::to_string(kEvents).c_str(), "gw-crash", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string said;
  char buf[256];
  ssize_t r;
  while (said.find("spooled") == std::string::npos && (r = read(out[0], buf, sizeof buf)) > 0)
    said.append(buf, r);
  close(out[0]);
  ASSERT_NE(said.find("spooled " + std::to_string(kEvents)), std::string::npos) << said;
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_GT(test::read_file(spool + "/spool.jsonl").size(), 0u);
  PgCluster::get().resume();

  auto rec = Recorder::create(pg_settings(dsn, spool, "gw-crash"));
  ASSERT_TRUE(
      test::wait_until([&] { return rec->stats().replayed == kEvents; }, std::chrono::seconds(30)));
  // The chain continues from the spooled tail.
  rec->record(test::sample_event(kEvents));
  rec->shutdown();
  EXPECT_EQ(test::read_file(spool + "/spool.jsonl").size(), 0u);

  PgConn db(dsn);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events"), std::to_string(kEvents + 1));
  EXPECT_EQ(db.scalar("SELECT count(DISTINCT trace_id) FROM audit_events"),
            std::to_string(kEvents + 1));
  auto store = make_postgres_store(dsn, std::chrono::seconds(2));
  auto reports = verify_chains(*store);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].problem) << reports[0].problem->detail;
  EXPECT_EQ(reports[0].head.seq, kEvents + 1);
}

// Runs the helper process with the database down until it has spooled `n` events, then kills
// it with SIGKILL.
void spool_then_sigkill(const std::string& dsn, const std::string& spool, int n) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(AUDIT_CHILD_PATH, AUDIT_CHILD_PATH, dsn.c_str(), spool.c_str(), std::to_string(n).c_str(),
          "gw-crash2", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string said;
  char buf[256];
  ssize_t r;
  // (spdlog's warnings come first on the same stdout.)
  while (said.find("spooled") == std::string::npos && (r = read(out[0], buf, sizeof buf)) > 0)
    said.append(buf, r);
  close(out[0]);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_NE(said.find("spooled " + std::to_string(n)), std::string::npos) << said;
}

TEST(PostgresRecorder, TwoCrashesWhileDownThenOneReplayKeepsOneChain) {
  std::string dsn = PgCluster::get().create_database("audit_crash2");
  TempDir tmp;
  std::string spool = tmp.file("spool");
  PgCluster::get().pause();
  spool_then_sigkill(dsn, spool, 100);
  spool_then_sigkill(dsn, spool, 50);  // the second run continues the chain from the spool
  PgCluster::get().resume();
  auto rec = Recorder::create(pg_settings(dsn, spool, "gw-crash2"));
  ASSERT_TRUE(
      test::wait_until([&] { return rec->stats().replayed == 150; }, std::chrono::seconds(30)));
  rec->shutdown();
  PgConn db(dsn);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events"), "150");
  auto store = make_postgres_store(dsn, std::chrono::seconds(2));
  auto reports = verify_chains(*store);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].problem) << reports[0].problem->detail;
  EXPECT_EQ(reports[0].head.seq, 150);
}

TEST(PostgresRecorder, ReplayIsIdempotentWhenTheSpoolIsReplayedTwice) {
  // A crash after the database committed a replayed batch but before the spool was emptied
  // replays it again: the primary key makes that harmless.
  std::string dsn = PgCluster::get().create_database("audit_idem");
  TempDir tmp;
  std::vector<Event> batch;
  ChainHead head;
  for (int i = 0; i < 10; ++i) {
    Event e = test::sample_event(i);
    e.id = "0190f000-0000-7000-8000-00000000000" + std::to_string(i);
    e.instance = "gw-idem";
    e.time_us = parse_time("2026-11-25T10:00:00Z") + i;
    link(e, head);
    batch.push_back(e);
  }
  auto store = make_postgres_store(dsn, std::chrono::seconds(2));
  store->open();
  store->write(batch, false);
  store->write(batch, true);
  PgConn db(dsn);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events"), "10");
  // The fast path for new batches refuses duplicates (the recorder then spools and replays).
  EXPECT_THROW(store->write(batch, false), StoreRejected);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events"), "10");
  EXPECT_FALSE(verify_chains(*store)[0].problem);
}

TEST(PostgresRecorder, UnreachableDatabaseSpoolsAndStaysAccepting) {
  TempDir tmp;
  // Nothing listens on port 1.
  auto s =
      pg_settings("host=127.0.0.1 port=1 user=postgres dbname=x", tmp.file("spool"), "gw-down");
  auto rec = Recorder::create(s);
  for (int i = 0; i < 50; ++i) rec->record(test::sample_event(i));
  ASSERT_TRUE(
      test::wait_until([&] { return rec->stats().spooled == 50; }, std::chrono::seconds(10)));
  EXPECT_TRUE(rec->accepting());
  rec->shutdown();
  EXPECT_EQ(rec->stats().written, 0u);
  EXPECT_EQ(rec->stats().dropped, 0u);
}

}  // namespace
}  // namespace mcpgw::audit
