// Secrets in arguments never reach any sink: the recorder writes events carrying an API key,
// a bearer token, a JWT, an AWS key id, a PEM private key, a password, a field named by a
// policy obligation and one named in the configuration (audit.redact_fields) to PostgreSQL, SQLite,
// JSON lines and the spool, then every byte of every sink is searched for them. Half the events
// hand their arguments over as JSON text (Event::arguments_source, what the gateway's event loop
// does), redacted on the writer thread.
#include <gtest/gtest.h>

#include "audit/recorder.h"
#include "test_support.h"

namespace mcpgw::audit {
namespace {

using test::TempDir;

const std::vector<std::string> kSecrets = {
    "sk-live0123456789abcdefXYZ",
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
    "opaque-bearer-value-42",
    "AKIAIOSFODNN7EXAMPLE",
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    "hunter2",
    "obligated-customer-number-777",
    "Zx9Qm2Lp8Rt4Vb6Nc1Kd7Hs3Jf5Gw0Ty",  // high entropy, no known prefix
    "configured-ssn-value-31",           // named by audit.redact_fields
};

Event secret_event(int n) {
  Event e = test::sample_event(n);
  e.arguments = {
      {"query", "list files using key " + kSecrets[0]},
      {"headers", {{"X-Forward", "Bearer " + kSecrets[1]}}},
      {"note", "Authorization: Bearer " + kSecrets[2]},
      {"aws", {kSecrets[3], "us-east-1"}},
      {"cert", "-----BEGIN PRIVATE KEY-----\n" + kSecrets[4] + "\n-----END PRIVATE KEY-----\n"},
      {"login", {{"user", "alice"}, {"password", kSecrets[5]}}},
      {"customer", {{"number", kSecrets[6]}}},
      {"blob", kSecrets[7]},
      {"patient", {{"name", "alice"}, {"ssn", kSecrets[8]}}},
  };
  return e;
}

void record_secrets(Settings s) {
  s.redact_fields = {"ssn"};  // the configuration's fields, besides the call's own
  auto rec = Recorder::create(std::move(s));
  for (int i = 0; i < 4; ++i) {
    Event e = secret_event(i);
    if (i % 2) {
      // The gateway's way: the arguments as the text received, parsed and redacted by the
      // writer thread instead of the caller.
      e.arguments_source = e.arguments.dump();
      e.arguments = nullptr;
    }
    rec->record(std::move(e), {"customer.number"});
  }
  rec->shutdown();
  EXPECT_EQ(rec->stats().dropped, 0u);
}

void expect_clean(const std::string& bytes, const std::string& where) {
  ASSERT_FALSE(bytes.empty()) << where << " is empty: nothing was recorded";
  EXPECT_NE(bytes.find("alice"), std::string::npos) << where << ": the harmless parts are kept";
  for (const auto& secret : kSecrets)
    EXPECT_EQ(bytes.find(secret), std::string::npos) << where << " contains " << secret;
}

TEST(Secrets, NeverReachSqlite) {
  TempDir tmp;
  Settings s;
  s.sink = SinkKind::Sqlite;
  s.path = tmp.file("audit.db");
  s.spool_dir = tmp.file("spool");
  record_secrets(s);
  // Every byte SQLite wrote: the database and its write-ahead log.
  expect_clean(test::read_file(s.path) + test::read_file(s.path + "-wal"), "sqlite");
}

TEST(Secrets, NeverReachJsonLines) {
  TempDir tmp;
  Settings s;
  s.sink = SinkKind::Jsonl;
  s.path = tmp.file("audit.jsonl");
  s.spool_dir = tmp.file("spool");
  record_secrets(s);
  expect_clean(test::read_file(s.path), "jsonl");
}

TEST(Secrets, NeverReachTheSpool) {
  TempDir tmp;
  Settings s;
  s.sink = SinkKind::Postgres;
  s.dsn = "host=127.0.0.1 port=1 user=postgres dbname=x connect_timeout=1";
  s.spool_dir = tmp.file("spool");
  record_secrets(s);
  expect_clean(test::read_file(s.spool_dir + "/spool.jsonl"), "spool");
}

TEST(Secrets, NeverReachPostgres) {
  std::string dsn = test::PgCluster::get().create_database("audit_secrets");
  TempDir tmp;
  Settings s;
  s.sink = SinkKind::Postgres;
  s.dsn = dsn;
  s.spool_dir = tmp.file("spool");
  record_secrets(s);
  test::PgConn db(dsn);
  std::string all;
  for (auto& row : db.rows("SELECT row_to_json(a)::text FROM audit_events a")) all += row[0] + "\n";
  expect_clean(all, "postgres rows");
  EXPECT_EQ(db.scalar("SELECT count(*) FROM audit_events"), "4");
}

}  // namespace
}  // namespace mcpgw::audit
