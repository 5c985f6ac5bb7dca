// Load through one upstream transport: N requests with C in flight, printing requests/s,
// latency percentiles and this process's CPU time per call (the transport's own cost, since
// the upstream runs in another process). Not a test; build it in a Release tree to measure.
//
//   upstream_bench --url http://127.0.0.1:PORT/mcp [--requests 20000] [--concurrency 16]
//   upstream_bench --stdio "path/to/server args" [...]
#include <sys/resource.h>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "upstream/http_pool.h"
#include "upstream/transport.h"

using namespace mcpgw;
using Clock = std::chrono::steady_clock;

namespace {
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Upstream transport load: requests through one transport"};
  std::string url, stdio_command, method = "tools/call";
  int requests = 20000, concurrency = 16;
  app.add_option("--url", url, "Streamable HTTP endpoint of the upstream");
  app.add_option("--stdio", stdio_command, "Command line of a stdio upstream");
  app.add_option("--requests", requests)->check(CLI::PositiveNumber);
  app.add_option("--concurrency", concurrency)->check(CLI::Range(1, 1024));
  app.add_option("--method", method, "tools/call (echo) or ping");
  CLI11_PARSE(app, argc, argv);
  if (url.empty() == stdio_command.empty()) {
    std::fprintf(stderr, "upstream_bench: give exactly one of --url and --stdio\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);

  config::ServerConfig server;
  server.name = "bench";
  if (!url.empty()) {
    server.transport = config::TransportKind::Http;
    server.url = url;
  } else {
    std::istringstream words(stdio_command);
    for (std::string w; words >> w;) server.command.push_back(w);
  }
  asio::io_context io;
  auto shared = upstream::make_shared_state(server, io);
  auto transport = upstream::make_transport(server, shared, io);

  std::map<int64_t, Clock::time_point> sent_at;
  std::vector<double> latencies_us;
  latencies_us.reserve(requests);
  int next_id = 1, answered = 0, errors = 0;
  bool initialized = false, closed = false;
  std::string closed_reason;
  std::string params =
      method == "ping" ? "{}" : R"({"name":"echo","arguments":{"message":"hello"}})";
  auto send_one = [&] {
    int id = ++next_id;
    sent_at[id] = Clock::now();
    transport->send(R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" + method +
                    R"(","params":)" + params + "}");
  };
  transport->start(
      {[&](std::string message, std::string_view) {
         auto j = nlohmann::json::parse(message);
         if (!j.contains("id") || j.contains("method")) return;
         if (j["id"] == 1) {
           initialized = true;
           transport->on_initialized(j["result"].value("protocolVersion", "2025-11-25"));
           transport->send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
           return;
         }
         auto it = sent_at.find(j["id"].get<int64_t>());
         if (it == sent_at.end()) return;
         latencies_us.push_back(
             std::chrono::duration<double, std::micro>(Clock::now() - it->second).count());
         sent_at.erase(it);
         errors += j.contains("error");
         if (++answered == requests)
           io.stop();
         else if (next_id - 1 < requests)
           send_one();
       },
       [&](std::string reason) {
         closed = true;
         closed_reason = reason;
         io.stop();
       }});
  transport->send(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"upstream_bench","version":"0"}}})");
  while (!initialized && !closed) io.run_one_for(std::chrono::seconds(10));
  if (closed) {
    std::fprintf(stderr, "upstream_bench: upstream closed: %s\n", closed_reason.c_str());
    return 1;
  }
  // Warm up (connections, allocator), then measure.
  io.restart();
  io.run_for(std::chrono::milliseconds(200));
  double cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  for (int i = 0; i < concurrency && i < requests; ++i) send_one();
  io.restart();
  io.run_for(std::chrono::minutes(5));
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = cpu_seconds() - cpu0;
  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    return latencies_us.empty()
               ? 0.0
               : latencies_us[std::min(latencies_us.size() - 1, size_t(p * latencies_us.size()))];
  };
  std::printf("transport=%s method=%s requests=%d concurrency=%d answered=%d errors=%d\n",
              url.empty() ? "stdio" : "http", method.c_str(), requests, concurrency, answered,
              errors);
  std::printf("elapsed=%.3fs  rate=%.0f req/s  p50=%.0fus  p99=%.0fus  cpu_per_call=%.1fus\n",
              elapsed, answered / elapsed, pct(0.50), pct(0.99), cpu / std::max(answered, 1) * 1e6);
  if (!url.empty()) {
    auto& pool = shared->pool_for(upstream::parse_url(url));
    std::printf("connections_opened=%zu idle=%zu\n", pool.opened(), pool.idle());
  }
  transport->close();
  io.restart();
  io.run_for(std::chrono::seconds(3));
  return answered == requests && errors == 0 ? 0 : 1;
}
