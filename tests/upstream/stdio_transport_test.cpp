#include "upstream/stdio_transport.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_support.h"

namespace mcpgw::upstream {
namespace {

using namespace std::chrono_literals;
using testing::LogCapture;
using testing::run_until;
using json = nlohmann::json;

config::ServerConfig shell_server(const std::string& script) {
  config::ServerConfig s;
  s.name = "shell";
  s.command = {"sh", "-c", script};
  return s;
}

// What a test sees from a transport.
struct Recorder {
  std::vector<std::string> messages;
  std::vector<std::string> closed;
  Transport::Handlers handlers() {
    return {[this](std::string m, std::string_view) { messages.push_back(std::move(m)); },
            [this](std::string r) { closed.push_back(std::move(r)); }};
  }
  // The response to request `id`, or null.
  json response(int id) const {
    for (const auto& m : messages) {
      auto j = json::parse(m);
      if (j.is_object() && j.contains("id") && j["id"] == id && !j.contains("method")) return j;
    }
    return nullptr;
  }
};

bool reaped(pid_t pid) {
  // Our child is gone from the process table: no zombie left to reap.
  return ::waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD && ::kill(pid, 0) < 0;
}

std::string request(int id, const std::string& method, json params = json::object()) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
}

TEST(StdioTransport, InitializeListAndCallAgainstServerEverything) {
  asio::io_context io;
  config::ServerConfig s;
  s.name = "everything";
  s.command = {"node", testing::everything_js(), "stdio"};
  StdioTransport t(s, io);
  Recorder rec;
  t.start(rec.handlers());
  t.send(testing::initialize_request(1));
  ASSERT_TRUE(run_until(io, [&] { return !rec.response(1).is_null(); }));
  EXPECT_EQ(rec.response(1)["result"]["protocolVersion"], "2025-11-25");
  t.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  t.send(request(2, "tools/list"));
  ASSERT_TRUE(run_until(io, [&] { return !rec.response(2).is_null(); }));
  bool has_echo = false;
  json listed = rec.response(2);
  for (const auto& tool : listed["result"]["tools"]) has_echo |= tool["name"] == "echo";
  EXPECT_TRUE(has_echo);
  t.send(request(3, "tools/call", {{"name", "echo"}, {"arguments", {{"message", "hi there"}}}}));
  ASSERT_TRUE(run_until(io, [&] { return !rec.response(3).is_null(); }));
  EXPECT_EQ(rec.response(3)["result"]["content"][0]["text"], "Echo: hi there");
  EXPECT_TRUE(rec.closed.empty());

  pid_t pid = t.pid();
  t.close();
  ASSERT_TRUE(run_until(
      io, [&] { return reaped(pid); }, 10s));
  EXPECT_TRUE(rec.closed.empty()) << "on_closed must not be called after close()";
}

TEST(StdioTransport, ChildDyingMidCallReportsExitStatusAndIsReaped) {
  asio::io_context io;
  // Reads one request, then dies without answering.
  StdioTransport t(shell_server("read line; exit 7"), io);
  Recorder rec;
  t.start(rec.handlers());
  t.send(request(1, "tools/call", {{"name", "slow"}}));
  ASSERT_TRUE(run_until(
      io, [&] { return !rec.closed.empty(); }, 10s));
  EXPECT_NE(rec.closed[0].find("exited with status 7"), std::string::npos) << rec.closed[0];
  EXPECT_TRUE(reaped(t.pid()));
  io.restart();
  io.run_for(100ms);
  EXPECT_EQ(rec.closed.size(), 1u) << "on_closed is called once";
}

bool gone_or_zombie(pid_t pid) {
  // Not our child once orphaned: it is gone, or a zombie waiting for init to reap it.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  return line.find(") Z ") != std::string::npos;
}

TEST(StdioTransport, ExitWhileAGrandchildHoldsStdoutIsReportedAndTheGroupEnded) {
  asio::io_context io;
  // The background sleep inherits stdout, so no EOF comes when the shell exits.
  StdioTransport t(shell_server("sleep 30 & printf '{\"bg\":%d}\\n' $!; exit 4"), io);
  Recorder rec;
  t.start(rec.handlers());
  ASSERT_TRUE(run_until(
      io, [&] { return !rec.closed.empty(); }, 5s));
  EXPECT_NE(rec.closed[0].find("exited with status 4"), std::string::npos) << rec.closed[0];
  ASSERT_EQ(rec.messages.size(), 1u);
  pid_t bg = json::parse(rec.messages[0])["bg"];
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!gone_or_zombie(bg) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(gone_or_zombie(bg)) << "the server's leftover process " << bg << " still runs";
}

TEST(StdioTransport, KilledChildReportsTheSignal) {
  asio::io_context io;
  StdioTransport t(shell_server("kill -9 $$"), io);
  Recorder rec;
  t.start(rec.handlers());
  ASSERT_TRUE(run_until(
      io, [&] { return !rec.closed.empty(); }, 10s));
  EXPECT_NE(rec.closed[0].find("killed by signal 9"), std::string::npos) << rec.closed[0];
}

TEST(StdioTransport, GarbageOnStdoutIsLoggedAndSkipped) {
  LogCapture log;
  asio::io_context io;
  StdioTransport t(
      shell_server("echo 'Server starting...'; echo '{\"jsonrpc\":\"2.0\",\"method\":\"a\"}'; "
                   "echo '{broken'; echo '{\"jsonrpc\":\"2.0\",\"method\":\"b\"}'; cat >/dev/null"),
      io);
  Recorder rec;
  t.start(rec.handlers());
  ASSERT_TRUE(run_until(
      io, [&] { return rec.messages.size() >= 2; }, 10s));
  EXPECT_EQ(json::parse(rec.messages[0])["method"], "a");
  EXPECT_EQ(json::parse(rec.messages[1])["method"], "b");
  EXPECT_TRUE(log.contains("not JSON: Server starting...")) << log.text();
  EXPECT_TRUE(log.contains("not JSON: {broken")) << log.text();
  EXPECT_TRUE(rec.closed.empty());
}

TEST(StdioTransport, StderrLinesGoToTheLogWithTheServerName) {
  LogCapture log;
  asio::io_context io;
  StdioTransport t(shell_server("echo 'warming up' >&2; echo done; cat >/dev/null"), io);
  Recorder rec;
  t.start(rec.handlers());
  ASSERT_TRUE(run_until(
      io, [&] { return log.contains("[shell] warming up"); }, 10s))
      << log.text();
}

TEST(StdioTransport, LargeMessageInManyReadsArrivesWhole) {
  asio::io_context io;
  // A 10 MB JSON string on one line, written in pieces by the pipe.
  StdioTransport t(shell_server("printf '\"'; head -c 10000000 /dev/zero | tr '\\0' a; echo '\"'; "
                                "cat >/dev/null"),
                   io);
  Recorder rec;
  t.start(rec.handlers());
  ASSERT_TRUE(run_until(
      io, [&] { return !rec.messages.empty(); }, 20s));
  EXPECT_EQ(rec.messages[0].size(), 10000002u);
}

TEST(StdioTransport, OversizeMessageIsDroppedAndTheNextOneStillArrives) {
  LogCapture log;
  asio::io_context io;
  StdioOptions options;
  options.max_message_bytes = 1000;
  StdioTransport t(
      shell_server("printf '\"'; head -c 5000 /dev/zero | tr '\\0' a; echo '\"'; "
                   "echo '{\"jsonrpc\":\"2.0\",\"method\":\"after\"}'; cat >/dev/null"),
      io, options);
  Recorder rec;
  t.start(rec.handlers());
  ASSERT_TRUE(run_until(
      io, [&] { return !rec.messages.empty(); }, 10s));
  EXPECT_EQ(json::parse(rec.messages[0])["method"], "after");
  EXPECT_TRUE(log.contains("dropped a stdout message of over")) << log.text();
}

TEST(StdioTransport, SendsNewlineDelimitedMessagesAndFlattensNewlines) {
  asio::io_context io;
  // Echoes each line back wrapped: proves one message arrives as exactly one line.
  StdioTransport t(shell_server("while read -r line; do printf '{\"got\":%s}\\n' \"$line\"; done"),
                   io);
  Recorder rec;
  t.start(rec.handlers());
  t.send("{\"jsonrpc\":\"2.0\",\n \"method\":\"x\"}");
  t.send(R"({"jsonrpc":"2.0","method":"y"})");
  ASSERT_TRUE(run_until(
      io, [&] { return rec.messages.size() >= 2; }, 10s));
  EXPECT_EQ(json::parse(rec.messages[0])["got"]["method"], "x");
  EXPECT_EQ(json::parse(rec.messages[1])["got"]["method"], "y");
}

TEST(StdioTransport, EnvironmentAndWorkingDirectoryAreApplied) {
  asio::io_context io;
  auto s = shell_server(
      "printf '{\"cwd\":\"%s\",\"v\":\"%s\"}\\n' \"$PWD\" \"$MCPGW_TEST_VAR\"; "
      "cat >/dev/null");
  s.env["MCPGW_TEST_VAR"] = "forty-two";
  s.cwd = "/tmp";
  StdioTransport t(s, io);
  Recorder rec;
  t.start(rec.handlers());
  ASSERT_TRUE(run_until(
      io, [&] { return !rec.messages.empty(); }, 10s));
  auto j = json::parse(rec.messages[0]);
  EXPECT_EQ(j["cwd"], "/tmp");
  EXPECT_EQ(j["v"], "forty-two");
}

TEST(StdioTransport, UnknownCommandIsReportedThroughOnClosed) {
  asio::io_context io;
  config::ServerConfig s;
  s.name = "ghost";
  s.command = {"mcpgw-no-such-command-anywhere"};
  StdioTransport t(s, io);
  Recorder rec;
  t.start(rec.handlers());
  EXPECT_TRUE(rec.closed.empty()) << "reported asynchronously, not from inside start()";
  ASSERT_TRUE(run_until(
      io, [&] { return !rec.closed.empty(); }, 5s));
  EXPECT_NE(rec.closed[0].find("not found in PATH"), std::string::npos) << rec.closed[0];
}

TEST(StdioTransport, BadWorkingDirectoryIsReported) {
  asio::io_context io;
  auto s = shell_server("true");
  s.cwd = "/nonexistent/mcpgw";
  StdioTransport t(s, io);
  Recorder rec;
  t.start(rec.handlers());
  ASSERT_TRUE(run_until(
      io, [&] { return !rec.closed.empty(); }, 5s));
  EXPECT_NE(rec.closed[0].find("is not a directory"), std::string::npos) << rec.closed[0];
}

TEST(StdioTransport, CloseEscalatesToSigtermAndSigkill) {
  LogCapture log;
  asio::io_context io;
  StdioOptions options;
  options.stdin_close_grace = 200ms;
  options.term_grace = 200ms;
  // Ignores stdin EOF and SIGTERM: only SIGKILL ends it.
  StdioTransport t(shell_server("trap '' TERM; echo '{\"ready\":1}'; while :; do sleep 0.05; done"),
                   io, options);
  Recorder rec;
  t.start(rec.handlers());
  ASSERT_TRUE(run_until(
      io, [&] { return !rec.messages.empty(); }, 10s));
  pid_t pid = t.pid();
  auto begun = std::chrono::steady_clock::now();
  t.close();
  t.close();  // idempotent
  ASSERT_TRUE(run_until(
      io, [&] { return reaped(pid); }, 10s));
  EXPECT_GE(std::chrono::steady_clock::now() - begun, 400ms);
  EXPECT_TRUE(log.contains("sending SIGTERM")) << log.text();
  EXPECT_TRUE(log.contains("sending SIGKILL")) << log.text();
  EXPECT_TRUE(rec.closed.empty());
}

TEST(StdioTransport, DestroyingTheTransportStillReapsTheChild) {
  pid_t pid;
  {
    asio::io_context io;
    auto t = std::make_unique<StdioTransport>(shell_server("cat"), io);
    Recorder rec;
    t->start(rec.handlers());
    pid = t->pid();
    t->send(request(1, "ping"));
    t.reset();
    // The io_context dies without running the shutdown sequence.
  }
  EXPECT_TRUE(reaped(pid));
}

TEST(StdioTransport, DroppingTheTransportThenRunningTheLoopIsSafe) {
  asio::io_context io;
  auto t = std::make_unique<StdioTransport>(shell_server("cat"), io);
  Recorder rec;
  t->start(rec.handlers());
  pid_t pid = t->pid();
  t->send(request(1, "ping"));
  t.reset();
  ASSERT_TRUE(run_until(
      io, [&] { return reaped(pid); }, 10s));
  EXPECT_TRUE(rec.messages.empty()) << "nothing is delivered after the transport is gone";
}

}  // namespace
}  // namespace mcpgw::upstream
