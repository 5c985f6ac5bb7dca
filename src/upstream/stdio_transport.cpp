#include "upstream/stdio_transport.h"

#include "net/asio.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <nlohmann/json.hpp>

#include "upstream/child_process.h"
#include "upstream/line_splitter.h"

namespace mcpgw::upstream {

namespace {
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxStderrLine = 16 * 1024;
// A child that exited while a grandchild still holds its stdout open is reported after this.
constexpr auto kEofAfterExitGrace = std::chrono::milliseconds(500);
constexpr auto kReapPoll = std::chrono::milliseconds(20);

std::string preview(std::string_view line) {
  constexpr size_t kMax = 200;
  return std::string(line.substr(0, kMax)) + (line.size() > kMax ? "..." : "");
}
}  // namespace

struct StdioTransport::State : std::enable_shared_from_this<State> {
  State(const config::ServerConfig& server, asio::io_context& io, StdioOptions options)
      : io(io),
        server(server),
        options(options),
        in(io),
        out(io),
        err(io),
        sigchld(io, SIGCHLD),
        exit_timer(io) {}

  ~State() {
    // Last resort when the io_context stopped before the shutdown sequence finished.
    if (pid > 0 && !reaped) {
      ::kill(-pid, SIGKILL);
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }

  asio::io_context& io;
  config::ServerConfig server;
  StdioOptions options;
  Handlers handlers;
  pid_t pid = -1;
  asio::posix::stream_descriptor in, out, err;
  asio::signal_set sigchld;
  asio::steady_timer exit_timer;  // woken when the child is reaped
  std::deque<std::string> outbox;
  bool writing = false;
  bool closed_by_owner = false;
  bool reported = false;  // on_closed was called
  bool stdout_eof = false;
  bool reaped = false;
  bool shutting_down = false;
  bool signalled = false;     // we sent SIGTERM or SIGKILL
  bool exit_handled = false;  // maybe_report_exit has done its work
  int wait_status = 0;
  std::string close_cause;  // why we are ending it ourselves, if we are

  std::string name() const { return server.name; }

  void start() {
    SpawnedChild child;
    try {
      child = spawn_child({server.command, server.env, server.cwd});
    } catch (const SpawnError& e) {
      asio::post(io, [self = shared_from_this(), what = std::string(e.what())] {
        self->report_closed("server '" + self->name() + "': " + what);
      });
      return;
    }
    pid = child.pid;
    in.assign(child.stdin_fd);
    out.assign(child.stdout_fd);
    err.assign(child.stderr_fd);
    in.non_blocking(true);
    out.non_blocking(true);
    err.non_blocking(true);
    spdlog::info("[{}] started stdio server pid {}: {}", name(), pid,
                 fmt::join(server.command, " "));
    auto self = shared_from_this();
    asio::co_spawn(io, self->read_stdout(self), asio::detached);
    asio::co_spawn(io, self->read_stderr(self), asio::detached);
    asio::co_spawn(io, self->watch_sigchld(self), asio::detached);
  }

  asio::awaitable<void> read_stdout(std::shared_ptr<State> self) {
    LineSplitter lines(options.max_message_bytes);
    std::vector<char> buf(kReadChunk);
    auto on_line = [this](std::string line) { deliver(std::move(line)); };
    auto on_oversize = [this](size_t n) {
      spdlog::error("[{}] dropped a stdout message of over {} bytes (limit {})", name(), n,
                    options.max_message_bytes);
    };
    for (;;) {
      error_code ec;
      size_t n = co_await out.async_read_some(asio::buffer(buf), MCPGW_EC(ec));
      if (n) lines.feed(std::string_view(buf.data(), n), on_line, on_oversize);
      if (ec) break;
    }
    lines.finish(on_line);
    stdout_eof = true;
    if (!try_reap()) {
      // Stdout is gone but the process lives on: it is of no further use, end it.
      if (!reaped) begin_shutdown("closed its stdout");
    }
    maybe_report_exit();
  }

  void deliver(std::string line) {
    if (line.find_first_not_of(" \t") == std::string::npos) return;
    if (!nlohmann::json::accept(line)) {
      spdlog::warn("[{}] skipped a stdout line that is not JSON: {}", name(), preview(line));
      return;
    }
    if (closed_by_owner || reported || !handlers.on_message) return;
    handlers.on_message(std::move(line), {});
  }

  asio::awaitable<void> read_stderr(std::shared_ptr<State> self) {
    LineSplitter lines(kMaxStderrLine);
    std::vector<char> buf(kReadChunk);
    auto on_line = [this](std::string line) {
      if (!line.empty()) spdlog::info("[{}] {}", name(), line);
    };
    auto on_oversize = [this](size_t n) {
      spdlog::info("[{}] (a stderr line of {} bytes, not shown)", name(), n);
    };
    for (;;) {
      error_code ec;
      size_t n = co_await err.async_read_some(asio::buffer(buf), MCPGW_EC(ec));
      if (n) lines.feed(std::string_view(buf.data(), n), on_line, on_oversize);
      if (ec) break;
    }
    lines.finish(on_line);
  }

  asio::awaitable<void> watch_sigchld(std::shared_ptr<State> self) {
    while (!reaped) {
      error_code ec;
      co_await sigchld.async_wait(MCPGW_EC(ec));
      if (ec) co_return;  // cancelled
      if (try_reap()) maybe_report_exit();
    }
  }

  // Non-blocking waitpid for our child only; true once it has been reaped.
  bool try_reap() {
    if (reaped || pid <= 0) return reaped;
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      reaped = true;
      wait_status = status;
      // Leftovers of its process group (e.g. the real server under an `npx` wrapper) go too.
      // The group id cannot be reused while any member remains, so this reaches only them.
      ::kill(-pid, SIGTERM);
      error_code ignored;
      sigchld.cancel(ignored);
      exit_timer.cancel();
      if (!stdout_eof) {
        // A grandchild may still hold stdout open; report soon regardless.
        auto timer = std::make_shared<asio::steady_timer>(io, kEofAfterExitGrace);
        timer->async_wait([self = shared_from_this(), timer](error_code) {
          self->stdout_eof = true;
          self->maybe_report_exit();
        });
      }
    }
    return reaped;
  }

  void maybe_report_exit() {
    if (!reaped || !stdout_eof || exit_handled) return;
    exit_handled = true;
    std::string how = describe_wait_status(wait_status);
    if (closed_by_owner) {
      spdlog::info("[{}] stdio server pid {} {}", name(), pid, how);
    } else {
      std::string reason = "server '" + name() + "' (pid " + std::to_string(pid) + ") " + how;
      if (signalled && !close_cause.empty()) reason += " (stopped because it " + close_cause + ")";
      report_closed(reason);
    }
    error_code ignored;
    in.close(ignored);
    out.close(ignored);
    err.close(ignored);
  }

  void report_closed(const std::string& reason) {
    if (reported || closed_by_owner) return;
    reported = true;
    spdlog::warn("[{}] upstream closed: {}", name(), reason);
    if (handlers.on_closed) {
      auto on_closed = std::move(handlers.on_closed);
      handlers = {};
      on_closed(reason);
    }
  }

  void send(std::string message) {
    if (closed_by_owner || reported || !in.is_open()) {
      spdlog::debug("[{}] message dropped: the stdio server is not running", name());
      return;
    }
    // Raw newlines can only be whitespace between JSON tokens: flatten them to keep framing.
    for (char& c : message)
      if (c == '\n' || c == '\r') c = ' ';
    message.push_back('\n');
    outbox.push_back(std::move(message));
    if (!writing) {
      writing = true;  // set here: the coroutine only starts when the io_context runs it
      asio::co_spawn(io, write_loop(shared_from_this()), asio::detached);
    }
  }

  asio::awaitable<void> write_loop(std::shared_ptr<State> self) {
    while (!outbox.empty() && in.is_open()) {
      error_code ec;
      co_await asio::async_write(in, asio::buffer(outbox.front()), MCPGW_EC(ec));
      if (ec) {
        spdlog::warn("[{}] writing to the server's stdin failed: {}", name(), ec.message());
        outbox.clear();
        break;
      }
      outbox.pop_front();
    }
    writing = false;
  }

  void close() {
    if (closed_by_owner) return;
    closed_by_owner = true;
    // handlers stay: close() may run inside on_message, whose std::function must outlive it.
    outbox.clear();
    begin_shutdown("");
  }

  // Close stdin, wait, SIGTERM the process group, wait, SIGKILL, reap.
  void begin_shutdown(std::string cause) {
    if (shutting_down || pid <= 0) return;
    shutting_down = true;
    close_cause = std::move(cause);
    error_code ignored;
    in.close(ignored);
    // The owner may drop the transport at once: the coroutine keeps the state alive itself.
    asio::co_spawn(io, shutdown_sequence(shared_from_this()), asio::detached);
  }

  asio::awaitable<void> wait_for_exit(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    // Poll as well as wait for SIGCHLD: another part of the process may own that signal.
    while (!try_reap() && std::chrono::steady_clock::now() < deadline) {
      exit_timer.expires_after(std::min<std::chrono::steady_clock::duration>(
          kReapPoll, deadline - std::chrono::steady_clock::now()));
      error_code ec;
      co_await exit_timer.async_wait(MCPGW_EC(ec));
    }
  }

  asio::awaitable<void> shutdown_sequence(std::shared_ptr<State> self) {
    co_await wait_for_exit(options.stdin_close_grace);
    if (!reaped) {
      spdlog::info("[{}] pid {} still running; sending SIGTERM", name(), pid);
      signalled = true;
      ::kill(-pid, SIGTERM);
      co_await wait_for_exit(options.term_grace);
    }
    if (!reaped) {
      spdlog::warn("[{}] pid {} ignored SIGTERM; sending SIGKILL", name(), pid);
      signalled = true;
      ::kill(-pid, SIGKILL);
      co_await wait_for_exit(std::chrono::hours(1));
    }
    maybe_report_exit();
  }
};

StdioTransport::StdioTransport(const config::ServerConfig& server, asio::io_context& io,
                               StdioOptions options)
    : state_(std::make_shared<State>(server, io, options)) {
  // Writing to a dead child's stdin must return EPIPE, not kill the gateway.
  ::signal(SIGPIPE, SIG_IGN);
}

StdioTransport::~StdioTransport() {
  close();
}

void StdioTransport::start(Handlers handlers) {
  state_->handlers = std::move(handlers);
  state_->start();
}

void StdioTransport::send(std::string message) {
  state_->send(std::move(message));
}

void StdioTransport::close() {
  state_->close();
}

std::string StdioTransport::describe() const {
  return "stdio pid " + std::to_string(state_->pid) + " (" + state_->name() + ")";
}

pid_t StdioTransport::pid() const {
  return state_->pid;
}

}  // namespace mcpgw::upstream
