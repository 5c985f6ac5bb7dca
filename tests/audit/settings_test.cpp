#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>

#include "audit/recorder.h"
#include "ops/config.h"

namespace mcpgw::audit {
namespace {

Settings load(const std::string& yaml) {
  return load_settings(YAML::Load(yaml)["audit"]);
}

std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Settings, DefaultsWithoutASection) {
  Settings s = load("listen: 127.0.0.1:8080\n");
  EXPECT_EQ(s.sink, SinkKind::Sqlite);
  EXPECT_EQ(s.path, "var/audit.db");
  EXPECT_EQ(s.spool_dir, "var/audit-spool");
  EXPECT_EQ(s.on_failure, OnFailure::FailClosed);
  EXPECT_FALSE(s.instance.empty());
}

TEST(Settings, EveryKey) {
  setenv("MCPGW_TEST_PGPASS", "s3cret", 1);
  Settings s = load(
      "audit:\n"
      "  sink: postgres\n"
      "  dsn: postgresql://audit:${env:MCPGW_TEST_PGPASS}@127.0.0.1/audit\n"
      "  batch_size: 500\n"
      "  flush_interval: 250ms\n"
      "  spool_dir: /tmp/spool\n"
      "  on_failure: fail_open\n"
      "  instance: gw-1\n"
      "  max_queue: 1000\n"
      "  connect_timeout: 2s\n"
      "  redact_fields: [ssn, customer.number]\n");
  EXPECT_EQ(s.sink, SinkKind::Postgres);
  EXPECT_EQ(s.dsn, "postgresql://audit:s3cret@127.0.0.1/audit");
  EXPECT_EQ(s.batch_size, 500u);
  EXPECT_EQ(s.flush_interval.count(), 250);
  EXPECT_EQ(s.spool_dir, "/tmp/spool");
  EXPECT_EQ(s.on_failure, OnFailure::FailOpen);
  EXPECT_EQ(s.instance, "gw-1");
  EXPECT_EQ(s.max_queue, 1000u);
  EXPECT_EQ(s.connect_timeout.count(), 2000);
  EXPECT_EQ(s.redact_fields, (std::vector<std::string>{"ssn", "customer.number"}));
}

TEST(Settings, SpoolDefaultsBesideTheDatabase) {
  EXPECT_EQ(load("audit:\n  path: /data/a.db\n").spool_dir, "/data/audit-spool");
  EXPECT_EQ(load("audit:\n  sink: jsonl\n  path: audit.jsonl\n").spool_dir, "./audit-spool");
}

TEST(Settings, ErrorsNameKeyAndLine) {
  EXPECT_EQ(error_of("audit:\n  sink: mysql\n"),
            "audit.sink (line 2): must be sqlite, postgres, jsonl or none, not 'mysql'");
  EXPECT_EQ(error_of("audit:\n  sink: sqlite\n  batch_size: 0\n"),
            "audit.batch_size (line 3): must be a whole number from 1 to 10000, not '0'");
  EXPECT_EQ(error_of("audit:\n  batch_size: many\n"),
            "audit.batch_size (line 2): must be a whole number from 1 to 10000, not 'many'");
  EXPECT_EQ(error_of("audit:\n  on_failure: maybe\n"),
            "audit.on_failure (line 2): must be fail_closed or fail_open, not 'maybe'");
  EXPECT_EQ(error_of("audit:\n  flush_interval: 10\n"),
            "audit.flush_interval (line 2): duration '10' needs a unit: ms, s, m, h, d or w");
  EXPECT_EQ(error_of("audit:\n  sinc: sqlite\n"),
            "audit.sinc (line 2): unknown key (known: batch_size, connect_timeout, dsn, "
            "flush_interval, instance, max_queue, on_failure, path, redact_fields, sink, "
            "spool_dir)");
  EXPECT_EQ(
      error_of("audit:\n  sink: postgres\n"),
      "audit.dsn (line 2): is required when sink is postgres (e.g. postgresql://user@host/db)");
  EXPECT_EQ(error_of("audit:\n  sink: postgres\n  dsn: ${env:MCPGW_SURELY_UNSET}\n"),
            "audit.dsn (line 3): environment variable MCPGW_SURELY_UNSET is not set");
  EXPECT_EQ(error_of("audit: [1, 2]\n"), "audit (line 1): must be a mapping");
  EXPECT_EQ(error_of("audit:\n  path: [a, b]\n"), "audit.path (line 2): must be a single value");
  EXPECT_EQ(error_of("audit:\n  path: \"\"\n"), "audit.path (line 2): must not be empty");
  EXPECT_EQ(error_of("audit:\n  redact_fields: ssn\n"),
            "audit.redact_fields (line 2): must be a list of field names (e.g. [ssn, "
            "customer.number])");
  EXPECT_EQ(error_of("audit:\n  redact_fields:\n    - ssn\n    - a..b\n"),
            "audit.redact_fields[1] (line 4): must be a field name or a dotted path, not 'a..b'");
  EXPECT_EQ(error_of("audit:\n  redact_fields: [[x]]\n"),
            "audit.redact_fields[0] (line 2): must be a single value");
}

}  // namespace
}  // namespace mcpgw::audit
