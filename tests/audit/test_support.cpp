#include "test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace mcpgw::audit::test {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "mcpgw-audit-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Event sample_event(int n, const std::string& decision) {
  Event e;
  e.session_id = "sess-" + std::to_string(n % 7);
  e.subject = "user-" + std::to_string(n % 5);
  e.roles = {"user"};
  e.client_addr = "127.0.0.1:50000";
  e.user_agent = "audit-test/1.0";
  e.mcp_method = "tools/call";
  e.server = "sample";
  e.target = "sample__echo";
  e.arguments = {{"message", "hello " + std::to_string(n)}, {"count", n}};
  e.decision = decision;
  e.reason = decision == "allow" ? "role user may call echo" : "tool not allowed for role user";
  e.policy_revision = "rev-1";
  e.upstream_latency_us = decision == "allow" ? 1234 : 0;
  e.outcome = decision == "allow" ? "success" : "denied";
  if (decision != "allow") e.error_code = -32003;
  e.response_bytes = decision == "allow" ? 321 : 0;
  e.trace_id = "t-" + std::to_string(n);
  return e;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int run(const std::string& command, std::string* output) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

namespace {
const std::string kScript = std::string(MCPGW_SOURCE_DIR) + "/scripts/pg-test-cluster.sh";
}

PgCluster& PgCluster::get() {
  static PgCluster cluster;
  return cluster;
}

PgCluster::PgCluster() {
  if (const char* d = std::getenv("MCPGW_AUDIT_PG_DIR"); d && *d) {
    dir_ = d;
  } else {
    std::random_device rd;
    dir_ = (std::filesystem::temp_directory_path() / ("mcpgw-audit-pg-" + std::to_string(rd())))
               .string();
    std::string out;
    if (run("PG_FSYNC=off " + kScript + " start " + dir_, &out) != 0)
      throw std::runtime_error("cannot start PostgreSQL: " + out);
    owned_ = true;
  }
  base_dsn_ = read_file(dir_ + "/dsn");
  while (!base_dsn_.empty() && base_dsn_.back() == '\n') base_dsn_.pop_back();
  if (base_dsn_.empty()) throw std::runtime_error("no dsn in " + dir_);
}

PgCluster::~PgCluster() {
  if (owned_) run(kScript + " stop " + dir_);
}

std::string PgCluster::create_database(const std::string& name) {
  PgConn admin(base_dsn_);
  admin.exec("DROP DATABASE IF EXISTS " + name);
  admin.exec("CREATE DATABASE " + name);
  std::string dsn = base_dsn_;
  dsn.replace(dsn.find("dbname=postgres"), 15, "dbname=" + name);
  return dsn;
}

void PgCluster::pause() {
  std::string out;
  if (run(kScript + " pause " + dir_, &out) != 0) throw std::runtime_error("pause failed: " + out);
}

void PgCluster::resume() {
  std::string out;
  if (run(kScript + " resume " + dir_, &out) != 0)
    throw std::runtime_error("resume failed: " + out);
}

PgConn::PgConn(const std::string& dsn) : conn_(PQconnectdb(dsn.c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn_);
    PQfinish(conn_);
    throw std::runtime_error("connect: " + msg);
  }
}

PgConn::~PgConn() {
  PQfinish(conn_);
}

std::vector<std::vector<std::string>> PgConn::rows(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  auto st = PQresultStatus(r);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    std::string msg = PQerrorMessage(conn_);
    PQclear(r);
    throw std::runtime_error(sql + ": " + msg);
  }
  std::vector<std::vector<std::string>> out;
  for (int i = 0; i < PQntuples(r); ++i) {
    std::vector<std::string> row;
    for (int c = 0; c < PQnfields(r); ++c)
      row.push_back(PQgetisnull(r, i, c) ? "<null>" : PQgetvalue(r, i, c));
    out.push_back(std::move(row));
  }
  PQclear(r);
  return out;
}

}  // namespace mcpgw::audit::test
