// Spawning an upstream server process with its stdin/stdout/stderr on pipes, and describing how
// it ended. Plain POSIX; the stdio transport wraps the pipes in Asio.
#pragma once
#include <sys/types.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace mcpgw::upstream {

struct SpawnError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SpawnOptions {
  std::vector<std::string> argv;           // argv[0] without '/' is looked up in PATH
  std::map<std::string, std::string> env;  // added to (and overriding) this process's env
  std::string cwd;                         // empty: the gateway's working directory
};

// The parent's ends of the pipes (close-on-exec, blocking; the caller makes them non-blocking).
struct SpawnedChild {
  pid_t pid = -1;
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;
};

// Starts the child in its own process group (so that signals reach its whole tree) with the
// default signal dispositions. Throws SpawnError naming the command and the cause.
SpawnedChild spawn_child(const SpawnOptions& options);

// The executable for `name` along `path_env` (colon-separated), or "" when there is none.
std::string find_in_path(const std::string& name, const std::string& path_env);

// "exited with status 3", "killed by signal 9 (Killed)".
std::string describe_wait_status(int status);

}  // namespace mcpgw::upstream
