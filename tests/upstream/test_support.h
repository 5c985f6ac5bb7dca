// Helpers shared by the upstream tests: bounded io_context runs, log capture, and real MCP
// servers (server-everything from node_modules) started on loopback.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "net/asio.h"
#include "ops/config.h"

namespace mcpgw::upstream::testing {

// Runs `io` until `done()` holds or `limit` passes; returns done().
bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(20));

// Everything logged through spdlog's default logger while it lives.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  std::string text() const;
  bool contains(const std::string& needle) const {
    return text().find(needle) != std::string::npos;
  }

 private:
  std::shared_ptr<std::ostringstream> out_;
  std::shared_ptr<void> previous_;
};

std::string source_dir();
std::string everything_js();  // node_modules/@modelcontextprotocol/server-everything/dist/index.js
std::string fixture(const std::string& name);  // tests/upstream/fixtures/NAME

// A server-everything process in `mode` (streamableHttp or sse), bound to 127.0.0.1 on a port
// the kernel picks; stopped and reaped by the destructor.
class NodeServer {
 public:
  explicit NodeServer(const std::string& mode);
  // Any script with arguments (e.g. a fixture under tests/upstream/fixtures/).
  NodeServer(const std::string& script, const std::vector<std::string>& args,
             const std::vector<std::string>& extra_env = {});
  ~NodeServer();
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string url(const std::string& path) const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string port_file_;
};

// A port on 127.0.0.1 with nothing listening (bound, then released).
int unused_port();

// A plain HTTP/1.1 request from the test itself (sync Beast); returns the status code.
int http_status(int port, const std::string& method, const std::string& target,
                const std::vector<std::pair<std::string, std::string>>& headers,
                const std::string& body);

std::string initialize_request(int id, bool with_roots = false);

}  // namespace mcpgw::upstream::testing
