// `audit verify` against rows in a real PostgreSQL: an edited row, a deleted row and an
// inserted row are each reported, at the right event; the CLI exits 1 for them.
#include <gtest/gtest.h>

#include "audit/recorder.h"
#include "audit/store.h"
#include "audit/verify.h"
#include "test_support.h"

namespace mcpgw::audit {
namespace {

using test::PgCluster;
using test::PgConn;
using test::TempDir;

// A database holding one chain of 20 events of instance "gw-v".
std::string chain_database(const std::string& name) {
  std::string dsn = PgCluster::get().create_database(name);
  TempDir tmp;
  Settings s;
  s.sink = SinkKind::Postgres;
  s.dsn = dsn;
  s.spool_dir = tmp.file("spool");
  s.instance = "gw-v";
  auto rec = Recorder::create(s);
  for (int i = 1; i <= 20; ++i) rec->record(test::sample_event(i, i % 3 ? "allow" : "deny"));
  rec->shutdown();
  EXPECT_EQ(rec->stats().written, 20u);
  return dsn;
}

ChainReport verify_one(const std::string& dsn) {
  auto store = make_postgres_store(dsn, std::chrono::seconds(2));
  auto reports = verify_chains(*store);
  EXPECT_EQ(reports.size(), 1u);
  return reports.at(0);
}

TEST(PostgresVerify, IntactChainVerifies) {
  std::string dsn = chain_database("audit_v_ok");
  auto r = verify_one(dsn);
  EXPECT_FALSE(r.problem);
  EXPECT_EQ(r.events, 20u);
  EXPECT_EQ(r.head.seq, 20);
}

TEST(PostgresVerify, EditedRowIsReportedAsModified) {
  std::string dsn = chain_database("audit_v_edit");
  PgConn db(dsn);
  std::string id = db.scalar("SELECT id FROM audit_events WHERE seq = 7");
  db.exec("UPDATE audit_events SET decision = 'allow', reason = 'nothing to see' WHERE seq = 7");
  auto r = verify_one(dsn);
  ASSERT_TRUE(r.problem);
  EXPECT_EQ(r.problem->kind, "modified");
  EXPECT_EQ(r.problem->event_id, id);
  EXPECT_EQ(r.problem->seq, 7);
}

TEST(PostgresVerify, EditedArgumentsAreReportedAsModified) {
  std::string dsn = chain_database("audit_v_args");
  PgConn db(dsn);
  db.exec(
      "UPDATE audit_events SET arguments = jsonb_set(arguments, '{count}', '99') WHERE seq = 12");
  auto r = verify_one(dsn);
  ASSERT_TRUE(r.problem);
  EXPECT_EQ(r.problem->kind, "modified");
  EXPECT_EQ(r.problem->seq, 12);
}

TEST(PostgresVerify, DeletedRowIsReported) {
  std::string dsn = chain_database("audit_v_delete");
  PgConn db(dsn);
  std::string next = db.scalar("SELECT id FROM audit_events WHERE seq = 10");
  db.exec("DELETE FROM audit_events WHERE seq = 9");
  auto r = verify_one(dsn);
  ASSERT_TRUE(r.problem);
  EXPECT_EQ(r.problem->kind, "deleted");
  EXPECT_EQ(r.problem->event_id, next);
  EXPECT_NE(r.problem->detail.find("position(s) 9..9"), std::string::npos) << r.problem->detail;
}

TEST(PostgresVerify, DeletedFirstRowIsReported) {
  std::string dsn = chain_database("audit_v_delete_first");
  PgConn db(dsn);
  db.exec("DELETE FROM audit_events WHERE seq = 1");
  auto r = verify_one(dsn);
  ASSERT_TRUE(r.problem);
  EXPECT_EQ(r.problem->kind, "deleted");
  EXPECT_EQ(r.problem->seq, 2);
}

TEST(PostgresVerify, InsertedRowIsReported) {
  std::string dsn = chain_database("audit_v_insert");
  PgConn db(dsn);
  // A forged event copied from position 5 with a new id and another subject.
  db.exec(
      "INSERT INTO audit_events SELECT gen_random_uuid(), instance, seq, time, session_id, "
      "'mallory', roles, client_addr, user_agent, mcp_method, server, target, arguments, "
      "'allow', reason, policy_revision, upstream_latency_us, outcome, error_code, "
      "response_bytes, trace_id, prev_hash, hash FROM audit_events WHERE seq = 5");
  std::string forged = db.scalar("SELECT id FROM audit_events WHERE subject = 'mallory'");
  auto r = verify_one(dsn);
  ASSERT_TRUE(r.problem);
  EXPECT_EQ(r.problem->kind, "inserted");
  EXPECT_EQ(r.problem->event_id, forged);
}

TEST(PostgresVerify, AppendedForgeryThatDoesNotLinkIsReported) {
  std::string dsn = chain_database("audit_v_append");
  PgConn db(dsn);
  db.exec(
      "INSERT INTO audit_events SELECT gen_random_uuid(), instance, 21, time, session_id, "
      "'mallory', roles, client_addr, user_agent, mcp_method, server, target, arguments, "
      "decision, reason, policy_revision, upstream_latency_us, outcome, error_code, "
      "response_bytes, trace_id, repeat('a', 64), hash FROM audit_events WHERE seq = 3");
  auto r = verify_one(dsn);
  ASSERT_TRUE(r.problem);
  EXPECT_EQ(r.problem->kind, "inserted");
  EXPECT_EQ(r.problem->seq, 21);
}

TEST(PostgresVerify, CliReportsTamperingWithExitCode1) {
  std::string dsn = chain_database("audit_v_cli");
  std::string out;
  ASSERT_EQ(test::run(std::string(AUDIT_CLI_PATH) + " audit verify --dsn '" + dsn + "'", &out), 0)
      << out;
  EXPECT_NE(out.find("ok instance=gw-v events=20"), std::string::npos) << out;
  PgConn db(dsn);
  db.exec("UPDATE audit_events SET subject = 'someone-else' WHERE seq = 3");
  ASSERT_EQ(test::run(std::string(AUDIT_CLI_PATH) + " audit verify --dsn '" + dsn + "'", &out), 1)
      << out;
  EXPECT_NE(out.find("TAMPERED instance=gw-v: modified event"), std::string::npos) << out;
}

TEST(PostgresVerify, PruneKeepsTheChainVerifiable) {
  std::string dsn = PgCluster::get().create_database("audit_prune");
  TempDir tmp;
  Settings s;
  s.sink = SinkKind::Postgres;
  s.dsn = dsn;
  s.spool_dir = tmp.file("spool");
  s.instance = "gw-p";
  auto rec = Recorder::create(s);
  for (int i = 0; i < 10; ++i) {
    Event e = test::sample_event(i);
    e.time_us = parse_time("2026-01-01T00:00:00Z") + i * 86'400'000'000LL;  // one per day
    rec->record(e);
  }
  rec->record(test::sample_event(99));  // now
  rec->shutdown();
  std::string out;
  ASSERT_EQ(
      test::run(std::string(AUDIT_CLI_PATH) + " audit prune --older-than 30d --dsn '" + dsn + "'",
                &out),
      0)
      << out;
  EXPECT_NE(out.find("pruned 10 event(s)"), std::string::npos) << out;
  PgConn db(dsn);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events"), "1");
  EXPECT_EQ(db.scalar("SELECT seq FROM audit_chain_anchors WHERE instance = 'gw-p'"), "10");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_class WHERE relname = 'audit_events_p20260101'"),
            "0");
  auto store = make_postgres_store(dsn, std::chrono::seconds(2));
  auto reports = verify_chains(*store);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].problem) << reports[0].problem->detail;
  // A duration without a unit is refused with a clear message.
  ASSERT_EQ(
      test::run(std::string(AUDIT_CLI_PATH) + " audit prune --older-than 90x --dsn '" + dsn + "'",
                &out),
      2);
  EXPECT_NE(out.find("needs a unit"), std::string::npos) << out;
}

}  // namespace
}  // namespace mcpgw::audit
