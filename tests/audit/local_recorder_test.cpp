// The recorder with the local sinks (SQLite, JSON lines): draining, failure modes, verify,
// query and prune, and the CLI on top.
#include <gtest/gtest.h>

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <map>

#include <filesystem>
#include <fstream>

#include "audit/recorder.h"
#include "audit/store.h"
#include "audit/verify.h"
#include "test_support.h"

namespace mcpgw::audit {
namespace {

using test::TempDir;

Settings sqlite_settings(const TempDir& tmp) {
  Settings s;
  s.sink = SinkKind::Sqlite;
  s.path = tmp.file("audit.db");
  s.spool_dir = tmp.file("spool");
  s.instance = "gw-local";
  s.batch_size = 50;
  s.flush_interval = std::chrono::milliseconds(10);
  return s;
}

void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

TEST(LocalRecorder, ShutdownDrainsEverythingFromManyThreads) {
  TempDir tmp;
  auto rec = Recorder::create(sqlite_settings(tmp));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) rec->record(test::sample_event(t * 1000 + i));
    });
  for (auto& th : threads) th.join();
  rec->shutdown();
  auto st = rec->stats();
  EXPECT_EQ(st.enqueued, 2000u);
  EXPECT_EQ(st.written, 2000u);
  EXPECT_EQ(st.queued, 0u);
  auto store = make_sqlite_store(tmp.file("audit.db"));
  auto reports = verify_chains(*store);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].problem);
  EXPECT_EQ(reports[0].events, 2000u);
  rec->record(test::sample_event(1));  // after shutdown: counted, not kept
  EXPECT_EQ(rec->stats().dropped, 1u);
}

TEST(LocalRecorder, SqliteUsesWalAndRecordsMigrations) {
  TempDir tmp;
  auto rec = Recorder::create(sqlite_settings(tmp));
  rec->record(test::sample_event(1));
  rec->shutdown();
  auto store = make_sqlite_store(tmp.file("audit.db"));
  store->open();
  auto events = store->query({});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].arguments["message"], "hello 1");
  EXPECT_EQ(test::read_file(tmp.file("audit.db")).substr(18, 2), std::string("\x02\x02", 2))
      << "the file header says WAL (read and write versions 2)";
}

TEST(LocalRecorder, ChainContinuesAcrossRestarts) {
  TempDir tmp;
  for (int run = 0; run < 3; ++run) {
    auto rec = Recorder::create(sqlite_settings(tmp));
    for (int i = 0; i < 10; ++i) rec->record(test::sample_event(run * 10 + i));
    rec->shutdown();
  }
  auto store = make_sqlite_store(tmp.file("audit.db"));
  auto reports = verify_chains(*store);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].problem) << reports[0].problem->detail;
  EXPECT_EQ(reports[0].head.seq, 30);
}

// Makes every file write of this process fail beyond `bytes` (EFBIG instead of SIGXFSZ).
struct FileSizeLimit {
  explicit FileSizeLimit(rlim_t bytes) {
    signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old);
    rlimit r = old;
    r.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &r);
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &old); }
  rlimit old{};
};

TEST(LocalRecorder, SqliteThatComesBackGetsTheSpoolInOrder) {
  TempDir tmp;
  std::ofstream(tmp.file("db")) << "x";  // a file where the database folder should be
  Settings s = sqlite_settings(tmp);
  s.path = tmp.file("db") + "/audit.db";
  auto rec = Recorder::create(s);
  for (int i = 0; i < 30; ++i) rec->record(test::sample_event(i));
  ASSERT_TRUE(
      test::wait_until([&] { return rec->stats().spooled == 30; }, std::chrono::seconds(10)));
  std::filesystem::remove(tmp.file("db"));
  std::filesystem::create_directory(tmp.file("db"));
  ASSERT_TRUE(
      test::wait_until([&] { return rec->stats().replayed == 30; }, std::chrono::seconds(10)));
  for (int i = 30; i < 40; ++i) rec->record(test::sample_event(i));
  rec->shutdown();
  EXPECT_EQ(rec->stats().written, 10u);
  auto store = make_sqlite_store(s.path);
  auto reports = verify_chains(*store);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].problem);
  EXPECT_EQ(reports[0].events, 40u);
  std::vector<std::string> order;
  store->walk_chain("gw-local", [&](const Event& e) { order.push_back(e.trace_id); });
  for (int i = 0; i < 40; ++i) EXPECT_EQ(order.at(i), "t-" + std::to_string(i));
}

TEST(LocalRecorder, FailClosedStopsAcceptingWhenNothingCanRecordThenRecovers) {
  TempDir tmp;
  std::ofstream(tmp.file("not-a-dir")) << "x";
  Settings s = sqlite_settings(tmp);
  s.path = tmp.file("not-a-dir") + "/audit.db";  // the sink cannot open
  s.on_failure = OnFailure::FailClosed;
  auto rec = Recorder::create(s);
  {
    FileSizeLimit limit(64);  // and the spool cannot grow
    for (int i = 0; i < 5; ++i) rec->record(test::sample_event(i));
    ASSERT_TRUE(test::wait_until([&] { return !rec->accepting(); }, std::chrono::seconds(10)));
    EXPECT_EQ(rec->stats().spooled, 0u);
    EXPECT_EQ(rec->stats().dropped, 0u);
  }
  // The disk has room again: the held events go to the spool and calls are accepted.
  ASSERT_TRUE(
      test::wait_until([&] { return rec->stats().spooled == 5; }, std::chrono::seconds(10)));
  EXPECT_TRUE(rec->accepting());
  rec->shutdown();
  EXPECT_EQ(rec->stats().dropped, 0u);
}

TEST(LocalRecorder, FailOpenKeepsAcceptingAndCountsTheLoss) {
  TempDir tmp;
  std::ofstream(tmp.file("not-a-dir")) << "x";
  Settings s = sqlite_settings(tmp);
  s.path = tmp.file("not-a-dir") + "/audit.db";
  s.on_failure = OnFailure::FailOpen;
  auto rec = Recorder::create(s);
  {
    FileSizeLimit limit(64);
    for (int i = 0; i < 5; ++i) rec->record(test::sample_event(i));
    ASSERT_TRUE(
        test::wait_until([&] { return rec->stats().dropped == 5; }, std::chrono::seconds(10)));
    EXPECT_TRUE(rec->accepting());
  }
  rec->shutdown();
  EXPECT_EQ(rec->stats().spooled, 0u);
}

TEST(LocalRecorder, FullQueueDropsAndFailClosedRefuses) {
  TempDir tmp;
  std::ofstream(tmp.file("not-a-dir")) << "x";
  Settings s = sqlite_settings(tmp);
  s.max_queue = 3;
  s.flush_interval = std::chrono::milliseconds(60000);  // the writer sleeps: the queue fills
  s.batch_size = 100;
  auto rec = Recorder::create(s);
  for (int i = 0; i < 5; ++i) rec->record(test::sample_event(i));
  EXPECT_EQ(rec->stats().dropped, 2u);
  EXPECT_FALSE(rec->accepting());
  rec->shutdown();
  EXPECT_EQ(rec->stats().written, 3u);
}

TEST(LocalRecorder, SpoolCreationFailureIsAClearError) {
  TempDir tmp;
  std::ofstream(tmp.file("not-a-dir")) << "x";
  Settings s = sqlite_settings(tmp);
  s.spool_dir = tmp.file("not-a-dir") + "/spool";
  EXPECT_THROW(Recorder::create(s), std::runtime_error);
}

TEST(LocalRecorder, SinkNoneRecordsNothing) {
  Settings s;
  s.sink = SinkKind::None;
  auto rec = Recorder::create(s);
  rec->record(test::sample_event(1));
  EXPECT_TRUE(rec->accepting());
  EXPECT_EQ(rec->stats().enqueued, 0u);
  rec->shutdown();
}

// SQLite tampering: the same three kinds as for PostgreSQL.
class SqliteTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    auto rec = Recorder::create(sqlite_settings(tmp));
    for (int i = 1; i <= 10; ++i) rec->record(test::sample_event(i));
    rec->shutdown();
  }
  ChainReport verify() {
    auto store = make_sqlite_store(tmp.file("audit.db"));
    return verify_chains(*store).at(0);
  }
  TempDir tmp;
};

TEST_F(SqliteTamper, Edited) {
  sqlite_exec(tmp.file("audit.db"), "UPDATE audit_events SET subject = 'x' WHERE seq = 4");
  auto r = verify();
  ASSERT_TRUE(r.problem);
  EXPECT_EQ(r.problem->kind, "modified");
  EXPECT_EQ(r.problem->seq, 4);
}

TEST_F(SqliteTamper, Deleted) {
  sqlite_exec(tmp.file("audit.db"), "DELETE FROM audit_events WHERE seq IN (4, 5)");
  auto r = verify();
  ASSERT_TRUE(r.problem);
  EXPECT_EQ(r.problem->kind, "deleted");
  EXPECT_EQ(r.problem->seq, 6);
}

TEST_F(SqliteTamper, Inserted) {
  sqlite_exec(
      tmp.file("audit.db"),
      "INSERT INTO audit_events SELECT 'ffffffff-ffff-7fff-bfff-ffffffffffff', instance, seq, "
      "time, session_id, 'mallory', roles, client_addr, user_agent, mcp_method, server, "
      "target, arguments, decision, reason, policy_revision, upstream_latency_us, outcome, "
      "error_code, response_bytes, trace_id, prev_hash, hash FROM audit_events WHERE seq = 6");
  auto r = verify();
  ASSERT_TRUE(r.problem);
  EXPECT_EQ(r.problem->kind, "inserted");
  EXPECT_EQ(r.problem->event_id, "ffffffff-ffff-7fff-bfff-ffffffffffff");
}

TEST(LocalRecorder, JsonlSinkWritesLinesThatVerify) {
  TempDir tmp;
  Settings s = sqlite_settings(tmp);
  s.sink = SinkKind::Jsonl;
  s.path = tmp.file("audit.jsonl");
  auto rec = Recorder::create(s);
  for (int i = 0; i < 7; ++i) rec->record(test::sample_event(i, i == 3 ? "deny" : "allow"));
  rec->shutdown();
  std::ifstream in(s.path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["instance"], "gw-local");
    ++lines;
  }
  EXPECT_EQ(lines, 7);
  auto store = make_jsonl_store(s.path);
  EXPECT_FALSE(verify_chains(*store).at(0).problem);
  QueryFilter f;
  f.decision = "deny";
  auto denied = store->query(f);
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0].trace_id, "t-3");
}

// The gateway hands arguments over as the JSON text it received; the writer parses them.
TEST(LocalRecorder, ArgumentsGivenAsTextAreStoredParsedAndVerify) {
  TempDir tmp;
  Settings s = sqlite_settings(tmp);
  auto rec = Recorder::create(s);
  Event good = test::sample_event(1);
  good.arguments = nullptr;
  good.arguments_source = R"({"message":"hi","n":[1,2,{"deep":true}]})";
  rec->record(std::move(good));
  Event bad = test::sample_event(2);
  bad.arguments = nullptr;
  bad.arguments_source = R"({"message":)";  // cut short: not JSON
  rec->record(std::move(bad));
  rec->shutdown();
  EXPECT_EQ(rec->stats().written, 2u);
  auto store = make_sqlite_store(s.path);
  auto events = store->query(QueryFilter{});
  ASSERT_EQ(events.size(), 2u);
  std::map<std::string, nlohmann::json> by_trace;
  for (const auto& e : events) {
    EXPECT_TRUE(e.arguments_source.empty());
    by_trace[e.trace_id] = e.arguments;
  }
  EXPECT_EQ(by_trace["t-1"], nlohmann::json::parse(R"({"message":"hi","n":[1,2,{"deep":true}]})"));
  EXPECT_EQ(by_trace["t-2"], "(arguments not recorded: not valid JSON)");
  EXPECT_FALSE(verify_chains(*store).at(0).problem);
}

TEST(LocalRecorder, JsonlFollowsLogRotation) {
  TempDir tmp;
  Settings s = sqlite_settings(tmp);
  s.sink = SinkKind::Jsonl;
  s.path = tmp.file("audit.jsonl");
  auto rec = Recorder::create(s);
  rec->record(test::sample_event(1));
  ASSERT_TRUE(
      test::wait_until([&] { return rec->stats().written == 1; }, std::chrono::seconds(10)));
  std::filesystem::rename(s.path, s.path + ".1");
  rec->record(test::sample_event(2));
  rec->shutdown();
  EXPECT_NE(test::read_file(s.path + ".1").find("\"t-1\""), std::string::npos);
  EXPECT_EQ(test::read_file(s.path + ".1").find("\"t-2\""), std::string::npos);
  EXPECT_NE(test::read_file(s.path).find("\"t-2\""), std::string::npos);
}

TEST(Query, FiltersAndOrderNewestFirst) {
  TempDir tmp;
  Settings s = sqlite_settings(tmp);
  auto rec = Recorder::create(s);
  int64_t base = parse_time("2026-11-20T00:00:00Z");
  for (int i = 0; i < 20; ++i) {
    Event e = test::sample_event(i, i % 4 == 0 ? "deny" : "allow");
    e.time_us = base + i * 3'600'000'000LL;  // hourly
    e.server = i < 10 ? "alpha" : "beta";
    e.target = i % 2 ? "read_file" : "echo";
    rec->record(e);
  }
  rec->shutdown();
  auto count = [&](QueryFilter f) {
    std::string out = query_json(s, f);
    return std::count(out.begin(), out.end(), '\n');
  };
  QueryFilter f;
  EXPECT_EQ(count(f), 20);
  f.decision = "deny";
  EXPECT_EQ(count(f), 5);
  f = {};
  f.subject = "user-0";
  EXPECT_EQ(count(f), 4);
  f = {};
  f.server = "beta";
  f.tool = "echo";
  EXPECT_EQ(count(f), 5);
  f = {};
  f.since_us = base + 5 * 3'600'000'000LL;
  f.until_us = base + 8 * 3'600'000'000LL;
  EXPECT_EQ(count(f), 3);
  f.limit = 2;
  std::string out = query_json(s, f);
  auto first = nlohmann::json::parse(out.substr(0, out.find('\n')));
  EXPECT_EQ(first["trace_id"], "t-7");  // newest first
}

TEST(Cli, QueryPrintsTableOrJsonAndRefusesBadInput) {
  TempDir tmp;
  Settings s = sqlite_settings(tmp);
  auto rec = Recorder::create(s);
  rec->record(test::sample_event(1, "allow"));
  rec->record(test::sample_event(2, "deny"));
  rec->shutdown();
  std::string cli = AUDIT_CLI_PATH;
  std::string out;
  ASSERT_EQ(test::run(cli + " audit query --sqlite " + s.path, &out), 0) << out;
  EXPECT_NE(out.find("DECISION"), std::string::npos);
  EXPECT_NE(out.find("(2 events)"), std::string::npos) << out;
  ASSERT_EQ(test::run(cli + " audit query --json --decision deny --sqlite " + s.path, &out), 0)
      << out;
  EXPECT_EQ(nlohmann::json::parse(out)["trace_id"], "t-2");
  // Through a config file.
  std::ofstream(tmp.file("gw.yaml")) << "audit:\n  sink: sqlite\n  path: " << s.path << "\n";
  ASSERT_EQ(test::run(cli + " audit verify --config " + tmp.file("gw.yaml"), &out), 0) << out;
  EXPECT_NE(out.find("ok instance=gw-local events=2"), std::string::npos) << out;

  EXPECT_EQ(test::run(cli + " audit query --since yesterday --sqlite " + s.path, &out), 2);
  EXPECT_NE(out.find("--since: bad time 'yesterday'"), std::string::npos) << out;
  EXPECT_EQ(test::run(cli + " audit query", &out), 2);
  EXPECT_NE(out.find("exactly one of --config, --dsn, --sqlite, --jsonl"), std::string::npos)
      << out;
  EXPECT_NE(test::run(cli + " audit query --decision maybe --sqlite " + s.path, &out), 0);
  std::ofstream(tmp.file("bad.yaml")) << "audit:\n  sink: sqlite\n  batch_size: -3\n";
  EXPECT_EQ(test::run(cli + " audit verify --config " + tmp.file("bad.yaml"), &out), 2);
  EXPECT_EQ(out,
            "audit: audit.batch_size (line 3): must be a whole number from 1 to 10000, not "
            "'-3'\n");
  EXPECT_EQ(test::run(cli + " audit verify --config " + tmp.file("missing.yaml"), &out), 2);
  EXPECT_EQ(out,
            "audit: " + tmp.file("missing.yaml") + ": cannot be read: No such file or directory\n");
  EXPECT_EQ(
      test::run(cli + " audit verify --dsn 'host=127.0.0.1 port=1 dbname=x connect_timeout=1'",
                &out),
      2);
  EXPECT_NE(out.find("audit: postgres: cannot connect"), std::string::npos) << out;
  std::ofstream(tmp.file("junk.db"))
      << "this is not a database, just text that is long enough to matter";
  EXPECT_EQ(test::run(cli + " audit query --sqlite " + tmp.file("junk.db"), &out), 2);
  EXPECT_NE(out.find("sqlite"), std::string::npos) << out;
  std::ofstream(tmp.file("bad.jsonl")) << "{\"id\":\"x\"}\nnot json\n";
  EXPECT_EQ(test::run(cli + " audit verify --jsonl " + tmp.file("bad.jsonl"), &out), 2);
  EXPECT_NE(out.find("bad.jsonl line 2"), std::string::npos) << out;
  EXPECT_EQ(test::run(cli + " audit prune --older-than 1d --sqlite " + s.path, &out), 0) << out;
  EXPECT_NE(out.find("pruned 0 event(s)"), std::string::npos) << out;
}

}  // namespace
}  // namespace mcpgw::audit
