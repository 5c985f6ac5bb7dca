// The gateway's configuration: one YAML file, validated at load with errors naming key and line.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace mcpgw::config {

// An error in the configuration. Every one, whichever module read the section, reads
//   <key> (line N): <message>
// with the key's dotted path from the document root (`servers.files.command`,
// `auth.upstreams.remote.client_id`, `auth.issuers[0].jwks_uri`, `audit.sink`) and its line in
// the file, so that the operator can find it. Without a line (a key the file does not have, a
// file that cannot be read) it reads `<key>: <message>`; errors about the whole file name the
// file in place of a key. Built only by at(), the one place this format is written.
class ConfigError : public std::runtime_error {
 public:
  // `node`: what the error is about; its line is reported (none for a node not in the file).
  static ConfigError at(const std::string& key, const YAML::Node& node, const std::string& message);
  // line: 1-based; 0 or less: no line.
  static ConfigError at(const std::string& key, int line, const std::string& message);

 private:
  explicit ConfigError(const std::string& what) : std::runtime_error(what) {}
};

enum class TransportKind { Stdio, Http, Sse };

// One upstream MCP server in the catalog.
struct ServerConfig {
  std::string name;
  TransportKind transport = TransportKind::Stdio;
  // stdio
  std::vector<std::string> command;        // argv; command[0] is looked up in PATH
  std::map<std::string, std::string> env;  // added to the gateway's environment
  std::string cwd;
  // http / sse
  std::string url;  // http: the MCP endpoint; sse: the legacy SSE endpoint
  std::map<std::string, std::string> headers;  // sent on every upstream request (credentials)
  bool prefix = true;                          // expose tools/prompts as NAME__tool
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{300000};
  std::chrono::milliseconds restart_backoff_initial{250};
  std::chrono::milliseconds restart_backoff_max{30000};
  int line = 0;  // where it was declared, for error messages
};

struct ListenConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string path = "/mcp";
  std::string tls_cert, tls_key;  // both set: serve HTTPS
};

struct LimitsConfig {
  size_t max_body_bytes = 4 * 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds idle_timeout{120000};           // an idle keep-alive connection closes
  std::chrono::milliseconds session_idle_timeout{3600000};  // an unused session is ended
  size_t replay_buffer_events = 256;  // per stream, for Last-Event-ID resumption
  size_t max_sessions = 10000;
};

struct Config {
  std::vector<ListenConfig> listeners;
  std::vector<std::string> allowed_hosts;    // Host header values allowed (host or host:port)
  std::vector<std::string> allowed_origins;  // Origin values allowed; empty: loopback origins only
  std::vector<ServerConfig> servers;
  LimitsConfig limits;
  std::string log_level = "info";
  std::string source_path;  // the file it was loaded from
  // The whole document, so that modules (auth, policy, audit) read and validate their own
  // sections: e.g. auth::load_config(*config.raw) reads `auth:`. Never null after load.
  std::shared_ptr<const YAML::Node> raw;
};

// Loads and validates; throws ConfigError naming the key and line.
Config load_file(const std::string& path);
Config load_string(const std::string& yaml, const std::string& source_name = "<string>");

// The YAML document in `path`, for a command that reads one section (e.g. `audit verify
// --config`): a map, or null when the file is empty. Only the top level is checked: an
// unreadable file, a syntax error or a top level that is not a map is a ConfigError.
YAML::Node read_file(const std::string& path);

}  // namespace mcpgw::config
