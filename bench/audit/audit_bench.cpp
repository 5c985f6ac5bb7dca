// Audit benchmarks: the cost of Recorder::record() on the caller's thread, and sustained
// events per second into SQLite and PostgreSQL (record as fast as possible, then time until
// the writer has stored every event).
//   audit_bench [--events N] [--dsn DSN] [--sqlite-dir DIR]
#include <dirent.h>
#include <libpq-fe.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "audit/recorder.h"
#ifdef MCPGW_BENCH_CALL_LOG
#include "auth/authenticator.h"
#include "router/call_log.h"
#endif

using namespace mcpgw::audit;

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// A typical tools/call event as the gateway would build it.
Event typical_event(int n, bool with_secret) {
  Event e;
  e.session_id = "3f1c2a9e-5b7d-4c1e-9a2f-" + std::to_string(100000000000 + n % 64);
  e.subject = "user-" + std::to_string(n % 100);
  e.roles = {"user"};
  e.client_addr = "127.0.0.1:51234";
  e.user_agent = "mcp-client/1.2";
  e.mcp_method = "tools/call";
  e.server = "sample";
  e.target = "sample__echo";
  e.arguments = {{"message", "hello world " + std::to_string(n)}, {"count", n}};
  if (with_secret) e.arguments["auth"] = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
  e.decision = "allow";
  e.reason = "role user may call echo";
  e.policy_revision = "rev-42";
  e.upstream_latency_us = 850;
  e.outcome = "success";
  e.response_bytes = 512;
  e.trace_id = "4bf92f3577b34da6a3ce929d0e0e" + std::to_string(4736 + n);
  return e;
}

double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// CPU seconds used by a PostgreSQL server: the postmaster, its live children, and the children
// it has reaped (a backend that exited is counted in the postmaster's cutime/cstime).
double server_cpu_seconds(int postmaster) {
  if (postmaster <= 0) return 0;
  double ticks = sysconf(_SC_CLK_TCK);
  auto stat_of = [](int pid, int* ppid, double* own, double* reaped) {
    FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
    if (!f) return false;
    char buf[1024];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = 0;
    const char* p = std::strrchr(buf, ')');
    if (!p) return false;
    char state;
    long long fields[20] = {};
    // after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    // cutime cstime
    if (std::sscanf(p + 2,
                    "%c %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
                    &state, &fields[0], &fields[1], &fields[2], &fields[3], &fields[4], &fields[5],
                    &fields[6], &fields[7], &fields[8], &fields[9], &fields[10], &fields[11],
                    &fields[12], &fields[13]) != 15)
      return false;
    *ppid = static_cast<int>(fields[0]);
    *own = fields[10] + fields[11];
    *reaped = fields[12] + fields[13];
    return true;
  };
  double total = 0;
  int ppid;
  double own, reaped;
  if (stat_of(postmaster, &ppid, &own, &reaped)) total += own + reaped;
  DIR* d = opendir("/proc");
  while (dirent* ent = d ? readdir(d) : nullptr) {
    int pid = std::atoi(ent->d_name);
    if (pid > 0 && stat_of(pid, &ppid, &own, &reaped) && ppid == postmaster) total += own + reaped;
  }
  if (d) closedir(d);
  return total / ticks;
}

struct Throughput {
  double seconds;
  double writer_cpu_us;  // per event: this process minus the producing thread
  double server_cpu_us;  // per event: the PostgreSQL server
  Recorder::Stats stats;
};

Throughput sustained(Settings s, int events, int postmaster = 0) {
  auto rec = Recorder::create(s);
  double proc0 = process_cpu_seconds(), server0 = server_cpu_seconds(postmaster);
  double producer0 = thread_cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < events; ++i) {
    // Keep the queue from growing without bound: at most ~4 batches ahead of the writer.
    if ((i & 1023) == 0) {
      while (rec->stats().queued > 4 * s.batch_size)
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    rec->record(typical_event(i, false));
  }
  double producer = thread_cpu_seconds() - producer0;
  rec->shutdown();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double writer = process_cpu_seconds() - proc0 - producer;
  double server = server_cpu_seconds(postmaster) - server0;
  return {secs, writer / events * 1e6, server / events * 1e6, rec->stats()};
}

void caller_cost(const std::string& dir, int events, bool with_secret) {
  Settings s;
  s.sink = SinkKind::Sqlite;
  s.path = dir + "/cost.db";
  s.spool_dir = dir + "/cost-spool";
  s.instance = "bench-cost";
  auto rec = Recorder::create(s);
  // Build the events first: the gateway has them anyway; what we time is record() itself.
  const int chunk = 20000;
  double cpu = 0, wall = 0;
  for (int done = 0; done < events; done += chunk) {
    std::vector<Event> evs;
    evs.reserve(chunk);
    for (int i = 0; i < chunk; ++i) evs.push_back(typical_event(done + i, with_secret));
    double c0 = thread_cpu_seconds();
    auto w0 = std::chrono::steady_clock::now();
    for (auto& e : evs) rec->record(std::move(e));
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    cpu += thread_cpu_seconds() - c0;
    while (rec->stats().queued > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  rec->shutdown();
  std::printf(
      "record() on the caller's thread%s: %.2f us CPU, %.2f us wall per call (%d calls, %llu "
      "dropped)\n",
      with_secret ? " (arguments with a bearer JWT to redact)" : "", cpu / events * 1e6,
      wall / events * 1e6, events, static_cast<unsigned long long>(rec->stats().dropped));
}

#ifdef MCPGW_BENCH_CALL_LOG
// What auditing costs the gateway's event loop per tools/call: the router's CallLog (begin,
// routed, end with the response) and the record() it ends in, with the real message texts.
void request_path_cost(const std::string& dir, int calls) {
  Settings s;
  s.sink = SinkKind::Sqlite;
  s.path = dir + "/path.db";
  s.spool_dir = dir + "/path-spool";
  s.instance = "bench-path";
  auto rec = Recorder::create(s);
  auto identity = std::make_shared<mcpgw::auth::Identity>();
  identity->subject = "alice";
  identity->roles = {"user"};
  mcpgw::router::SessionInfo info{"d4cc5a123f7e94c9648cbac1f3a70b61", identity, "127.0.0.1:51234",
                                  "mcp-client/1.2"};
  mcpgw::router::CallLog log(rec.get(), info);
  int stream_tag = 0;
  const void* stream = &stream_tag;
  double cpu = 0;
  const int chunk = 20000;
  double proc0 = process_cpu_seconds(), main0 = thread_cpu_seconds();
  for (int done = 0; done < calls; done += chunk) {
    std::vector<std::string> requests, responses;
    for (int i = 0; i < chunk; ++i) {
      std::string id = std::to_string(done + i);
      requests.push_back(
          R"({"jsonrpc":"2.0","id":)" + id +
          R"(,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello world )" +
          id + R"(","count":3}}})");
      responses.push_back(R"({"jsonrpc":"2.0","id":)" + id +
                          R"(,"result":{"content":[{"type":"text","text":"hello world )" + id +
                          R"("}],"isError":false}})");
    }
    double c0 = thread_cpu_seconds();
    for (int i = 0; i < chunk; ++i) {
      auto env = mcpgw::json::read_envelope(requests[i]);
      log.begin(stream, requests[i], env);
      log.routed(stream, env.id.in(requests[i]), "sample");
      log.end(stream, responses[i]);
    }
    // The envelope scans are the router's own work, not auditing's: time them alone and
    // subtract.
    double c1 = thread_cpu_seconds();
    for (int i = 0; i < chunk; ++i) {
      auto env = mcpgw::json::read_envelope(requests[i]);
      asm volatile("" : : "r"(env.id.len) : "memory");
    }
    double scans = thread_cpu_seconds() - c1;
    cpu += (c1 - c0) - scans;
    while (rec->stats().queued > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  rec->shutdown();
  // Everything but this thread: the writer parsing, redacting, hashing and storing the events.
  double writer = (process_cpu_seconds() - proc0) - (thread_cpu_seconds() - main0);
  std::printf(
      "request path (CallLog begin/routed/end + record) on the event loop: %.2f us CPU per "
      "tools/call; its writer (sqlite): %.2f us CPU per event (%d calls, %llu written)\n",
      cpu / calls * 1e6, writer / calls * 1e6, calls,
      static_cast<unsigned long long>(rec->stats().written));
}
#endif

}  // namespace

int main(int argc, char** argv) {
  int events = 300000;
  std::string dsn, dir = "/tmp/mcpgw-audit-bench";
  int postmaster = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--events" && i + 1 < argc)
      events = std::stoi(argv[++i]);
    else if (a == "--dsn" && i + 1 < argc)
      dsn = argv[++i];
    else if (a == "--sqlite-dir" && i + 1 < argc)
      dir = argv[++i];
    else if (a == "--pg-pid" && i + 1 < argc)
      postmaster = std::stoi(argv[++i]);
    else {
      std::fprintf(
          stderr,
          "usage: %s [--events N] [--dsn DSN] [--pg-pid POSTMASTER_PID] [--sqlite-dir DIR]\n",
          argv[0]);
      return 2;
    }
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

#ifdef MCPGW_BENCH_CALL_LOG
  request_path_cost(dir, 200000);
  if (std::getenv("AUDIT_BENCH_ONLY_REQUEST_PATH")) return 0;  // for profiling that part alone
#endif
  caller_cost(dir, 200000, false);
  caller_cost(dir, 200000, true);

  Settings sq;
  sq.sink = SinkKind::Sqlite;
  sq.path = dir + "/audit.db";
  sq.spool_dir = dir + "/spool";
  sq.instance = "bench-sqlite";
  sq.batch_size = 2000;
  auto r = sustained(sq, events);
  std::printf(
      "sqlite (WAL, synchronous=FULL): %d events in %.2f s = %.0f events/s wall; writer CPU %.2f "
      "us/event "
      "(= %.0f events/s per core) (written %llu, spooled %llu)\n",
      events, r.seconds, events / r.seconds, r.writer_cpu_us, 1e6 / r.writer_cpu_us,
      static_cast<unsigned long long>(r.stats.written),
      static_cast<unsigned long long>(r.stats.spooled));

  if (!dsn.empty()) {
    Settings pg;
    pg.sink = SinkKind::Postgres;
    pg.dsn = dsn;
    pg.spool_dir = dir + "/pg-spool";
    pg.instance = "bench-pg";
    pg.batch_size = 5000;
    auto p = sustained(pg, events, postmaster);
    PGconn* c = PQconnectdb(dsn.c_str());
    PGresult* res = PQexec(c, "SELECT count(*) FROM audit_events WHERE instance = 'bench-pg'");
    std::string rows = PQresultStatus(res) == PGRES_TUPLES_OK ? PQgetvalue(res, 0, 0) : "?";
    PQclear(res);
    PQfinish(c);
    std::printf(
        "postgres (COPY, batch %zu): %d events in %.2f s = %.0f events/s wall; CPU per event: "
        "writer %.2f us + "
        "server %.2f us (= %.0f events/s per core) (written %llu, spooled %llu, rows %s)\n",
        pg.batch_size, events, p.seconds, events / p.seconds, p.writer_cpu_us, p.server_cpu_us,
        postmaster ? 1e6 / (p.writer_cpu_us + p.server_cpu_us) : 0.0,
        static_cast<unsigned long long>(p.stats.written),
        static_cast<unsigned long long>(p.stats.spooled), rows.c_str());
  }
  std::filesystem::remove_all(dir);
  return 0;
}
