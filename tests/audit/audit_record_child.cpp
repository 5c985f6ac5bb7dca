// Test helper for the crash test: records N events into the configured PostgreSQL sink (which
// the test has stopped), says "spooled N" once they are all in the spool, then waits to be
// killed (at most 60 s).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "audit/recorder.h"
#include "test_support.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s DSN SPOOL_DIR COUNT INSTANCE\n", argv[0]);
    return 2;
  }
  using namespace mcpgw::audit;
  Settings s;
  s.sink = SinkKind::Postgres;
  s.dsn = argv[1];
  s.spool_dir = argv[2];
  s.instance = argv[4];
  s.batch_size = 64;
  s.flush_interval = std::chrono::milliseconds(10);
  s.connect_timeout = std::chrono::milliseconds(1000);
  int n = std::stoi(argv[3]);
  auto rec = Recorder::create(s);
  for (int i = 0; i < n; ++i) rec->record(test::sample_event(i));
  test::wait_until([&] { return rec->stats().spooled == static_cast<uint64_t>(n); },
                   std::chrono::seconds(30));
  std::printf("spooled %llu\n", static_cast<unsigned long long>(rec->stats().spooled));
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(60));
  return 1;  // not killed: the test failed to do its part
}
