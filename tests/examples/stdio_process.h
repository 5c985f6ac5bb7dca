// A child process driven over pipes, line by line: how the tests talk to the sample server.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mcpgw::testing {

class StdioProcess {
 public:
  // Starts argv[0] with argv; stderr goes to `stderr_path` (or /dev/null when empty).
  explicit StdioProcess(const std::vector<std::string>& argv, const std::string& stderr_path = "");
  ~StdioProcess();  // kills the child if it still runs
  StdioProcess(const StdioProcess&) = delete;
  StdioProcess& operator=(const StdioProcess&) = delete;

  void write_line(const std::string& line);
  // The next line of stdout without its newline; nothing on timeout or end of output.
  std::optional<std::string> read_line(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void close_stdin();
  // The exit status once the child has exited (-signal when killed by one); nothing on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  std::optional<int> exit_status_;
};

}  // namespace mcpgw::testing
