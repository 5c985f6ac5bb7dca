#include "test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace mcpgw::upstream::testing {

bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return done();
}

LogCapture::LogCapture() : out_(std::make_shared<std::ostringstream>()) {
  previous_ = spdlog::default_logger();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*out_);
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);
}

LogCapture::~LogCapture() {
  spdlog::set_default_logger(std::static_pointer_cast<spdlog::logger>(previous_));
}

std::string LogCapture::text() const {
  spdlog::default_logger()->flush();
  return out_->str();
}

std::string source_dir() {
  return MCPGW_SOURCE_DIR;
}

std::string everything_js() {
  return source_dir() + "/node_modules/@modelcontextprotocol/server-everything/dist/index.js";
}

std::string fixture(const std::string& name) {
  return source_dir() + "/tests/upstream/fixtures/" + name;
}

NodeServer::NodeServer(const std::string& mode) : NodeServer(everything_js(), {mode}) {}

NodeServer::NodeServer(const std::string& script, const std::vector<std::string>& script_args,
                       const std::vector<std::string>& extra_env) {
  std::string mode = script;
  char tmpl[] = "/tmp/mcpgw-port-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  ::unlink(tmpl);
  port_file_ = tmpl;
  std::string preload = source_dir() + "/tests/upstream/fixtures/loopback.cjs";
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string s(*e);
    if (s.rfind("PORT=", 0) && s.rfind("NODE_OPTIONS=", 0)) env.push_back(s);
  }
  env.push_back("PORT=0");
  env.push_back("NODE_OPTIONS=--require " + preload);
  env.push_back("MCPGW_PORT_FILE=" + port_file_);
  env.push_back("MCPGW_EXIT_WITH_PARENT=1");
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  std::vector<std::string> args = {"node", script};
  args.insert(args.end(), script_args.begin(), script_args.end());
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The server is chatty on stdout and stderr: keep its output out of the test log.
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  int rc = ::posix_spawnp(&pid_, "node", &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start node");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file_);
    int port = 0;
    if (in >> port && port > 0) {
      port_ = port;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("server-everything " + mode + " did not start listening in 20 s");
}

NodeServer::~NodeServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  ::unlink(port_file_.c_str());
}

std::string NodeServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

int unused_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

int http_status(int port, const std::string& method, const std::string& target,
                const std::vector<std::pair<std::string, std::string>>& headers,
                const std::string& body) {
  namespace http = boost::beast::http;
  asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  boost::beast::flat_buffer buf;
  http::response_parser<http::empty_body> parser;
  parser.skip(true);
  http::read_header(stream, buf, parser);
  return parser.get().result_int();
}

std::string initialize_request(int id, bool with_roots) {
  nlohmann::json caps = nlohmann::json::object();
  if (with_roots) caps["roots"] = {{"listChanged", true}};
  return nlohmann::json{{"jsonrpc", "2.0"},
                        {"id", id},
                        {"method", "initialize"},
                        {"params",
                         {{"protocolVersion", "2025-11-25"},
                          {"capabilities", caps},
                          {"clientInfo", {{"name", "mcpgw-upstream-test"}, {"version", "0"}}}}}}
      .dump();
}

}  // namespace mcpgw::upstream::testing
