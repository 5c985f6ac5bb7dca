// Helpers shared by the audit tests: temp folders, sample events, a throwaway PostgreSQL.
#pragma once
#include <libpq-fe.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "audit/recorder.h"

namespace mcpgw::audit::test {

// A fresh folder under the system temp dir, removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// An event with every field set; `n` makes it unique (trace_id "t-n").
Event sample_event(int n, const std::string& decision = "allow");

// Polls `done` every 20 ms until it is true or `timeout` passes. Returns done().
template <typename F>
bool wait_until(F done, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string read_file(const std::string& path);

// The throwaway cluster: the one the ctest fixture started (MCPGW_AUDIT_PG_DIR), or one this
// process starts with scripts/pg-test-cluster.sh and stops at exit.
class PgCluster {
 public:
  static PgCluster& get();
  // A new, empty database; returns its connection string.
  std::string create_database(const std::string& name);
  void pause();   // pg_ctl stop -m fast
  void resume();  // start again on the same port
  const std::string& dir() const { return dir_; }
  ~PgCluster();

 private:
  PgCluster();
  std::string dir_, base_dsn_;
  bool owned_ = false;
};

// A libpq connection for checking rows; queries throw std::runtime_error on failure.
class PgConn {
 public:
  explicit PgConn(const std::string& dsn);
  ~PgConn();
  // The rows as text (NULL as "<null>").
  std::vector<std::vector<std::string>> rows(const std::string& sql);
  std::string scalar(const std::string& sql) { return rows(sql).at(0).at(0); }
  void exec(const std::string& sql) { rows(sql); }

 private:
  PGconn* conn_;
};

// Runs a shell command; returns its exit status and fills `output` with stdout+stderr.
int run(const std::string& command, std::string* output = nullptr);

}  // namespace mcpgw::audit::test
