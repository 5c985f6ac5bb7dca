// Tests for the YAML configuration loader: valid files load with their defaults and units, and
// every invalid one fails with a ConfigError that names the key and the line.
#include "ops/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace mcpgw::config {
namespace {

// Loads text that must fail; returns the error message.
std::string error_of(const std::string& yaml) {
  try {
    load_string(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a ConfigError: " << e.what() << "\n" << yaml;
    return {};
  }
  ADD_FAILURE() << "loaded without error:\n" << yaml;
  return {};
}

// The error names the key and the line.
void expect_error(const std::string& yaml, const std::string& key, int line,
                  const std::string& why_part = {}) {
  std::string msg = error_of(yaml);
  EXPECT_NE(msg.find("'" + key + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(line " + std::to_string(line) + ")"), std::string::npos) << msg;
  if (!why_part.empty()) {
    EXPECT_NE(msg.find(why_part), std::string::npos) << msg;
  }
}

TEST(Config, MinimalFileGetsDefaults) {
  auto c = load_string("log_level: info\n");
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].host, "127.0.0.1");
  EXPECT_EQ(c.listeners[0].port, 8080);
  EXPECT_EQ(c.listeners[0].path, "/mcp");
  EXPECT_EQ(c.limits.max_body_bytes, 4u * 1024 * 1024);
  EXPECT_TRUE(c.servers.empty());
  ASSERT_TRUE(c.raw);
  EXPECT_EQ(c.source_path, "<string>");
}

TEST(Config, FullExample) {
  setenv("MCPGW_TEST_TOKEN", "s3cret", 1);
  auto c = load_string(R"(listen:
  - 127.0.0.1:9000
  - address: "[::1]:9443"
    path: /gw
    tls: {cert: c.pem, key: k.pem}
allowed_hosts: [127.0.0.1, localhost]
allowed_origins: ["http://localhost:3000"]
servers:
  - name: sample
    command: [./sample-server, --flag]
    env: {A: "1"}
    prefix: false
    request_timeout: 90s
  - name: remote
    transport: http
    url: http://127.0.0.1:3001/mcp
    headers: {Authorization: "Bearer ${env:MCPGW_TEST_TOKEN}"}
    connect_timeout: 250ms
    restart_backoff: 2m
    restart_backoff_max: 1h
  - name: legacy
    transport: sse
    url: https://example.com/sse
    command: echo hi there
limits:
  max_body: 1MB
  max_header: 8KiB
  idle_timeout: 1500
  session_idle_timeout: 2h
  replay_buffer_events: 0
  max_sessions: 5
log_level: debug
auth: {anything: goes}
)");
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].port, 9000);
  EXPECT_EQ(c.listeners[1].host, "::1");
  EXPECT_EQ(c.listeners[1].port, 9443);
  EXPECT_EQ(c.listeners[1].path, "/gw");
  EXPECT_EQ(c.listeners[1].tls_cert, "c.pem");
  EXPECT_EQ(c.listeners[1].tls_key, "k.pem");
  EXPECT_EQ(c.allowed_hosts, (std::vector<std::string>{"127.0.0.1", "localhost"}));
  EXPECT_EQ(c.allowed_origins, (std::vector<std::string>{"http://localhost:3000"}));
  ASSERT_EQ(c.servers.size(), 3u);
  EXPECT_EQ(c.servers[0].transport, TransportKind::Stdio);
  EXPECT_EQ(c.servers[0].command, (std::vector<std::string>{"./sample-server", "--flag"}));
  EXPECT_EQ(c.servers[0].env.at("A"), "1");
  EXPECT_FALSE(c.servers[0].prefix);
  EXPECT_EQ(c.servers[0].request_timeout, std::chrono::seconds(90));
  EXPECT_EQ(c.servers[0].line, 9);
  EXPECT_EQ(c.servers[1].transport, TransportKind::Http);
  EXPECT_EQ(c.servers[1].headers.at("Authorization"), "Bearer s3cret");
  EXPECT_EQ(c.servers[1].connect_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(c.servers[1].restart_backoff_initial, std::chrono::minutes(2));
  EXPECT_EQ(c.servers[1].restart_backoff_max, std::chrono::hours(1));
  EXPECT_TRUE(c.servers[1].prefix);
  EXPECT_EQ(c.servers[2].transport, TransportKind::Sse);
  EXPECT_EQ(c.servers[2].command, (std::vector<std::string>{"echo", "hi", "there"}));
  EXPECT_EQ(c.limits.max_body_bytes, 1024u * 1024);
  EXPECT_EQ(c.limits.max_header_bytes, 8u * 1024);
  EXPECT_EQ(c.limits.idle_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(c.limits.session_idle_timeout, std::chrono::hours(2));
  EXPECT_EQ(c.limits.replay_buffer_events, 0u);
  EXPECT_EQ(c.limits.max_sessions, 5u);
  EXPECT_EQ(c.log_level, "debug");
}

TEST(Config, SizesAndDurationsInEveryUnit) {
  struct Case {
    std::string text;
    size_t bytes;
  };
  for (auto& [t, b] : {Case{"1024", 1024}, Case{"2k", 2048}, Case{"2KB", 2048}, Case{"2kib", 2048},
                       Case{"3M", 3u << 20}, Case{"1GiB", 1u << 30}, Case{" 7 b ", 7}}) {
    auto c = load_string("limits: {max_body: \"" + t + "\"}\n");
    EXPECT_EQ(c.limits.max_body_bytes, b) << t;
  }
  auto c = load_string("limits: {idle_timeout: 0}\n");
  EXPECT_EQ(c.limits.idle_timeout.count(), 0);
}

TEST(Config, EmptyOrNonMapDocument) {
  EXPECT_NE(error_of("").find("is empty"), std::string::npos);
  EXPECT_NE(error_of("- a\n- b\n").find("top level must be a map"), std::string::npos);
}

TEST(Config, YamlSyntaxErrorNamesLineAndColumn) {
  std::string msg = error_of("log_level: info\nservers: [\n  {name: a\n");
  EXPECT_NE(msg.find("line "), std::string::npos) << msg;
  EXPECT_NE(msg.find("column "), std::string::npos) << msg;
}

TEST(Config, UnknownKeysAreNamed) {
  expect_error("log_level: info\nlistn: 1\n", "listn", 2, "unknown key");
  expect_error("limits:\n  max_bodyy: 1\n", "limits.max_bodyy", 2, "unknown key");
  expect_error("servers:\n  - name: a\n    command: x\n    comand: y\n", "servers[0].comand", 4,
               "unknown key");
  expect_error("listen: {address: 1.2.3.4:5, tls: {cert: a, key: b, pass: c}}\n", "listen.tls.pass",
               1);
}

TEST(Config, BadListen) {
  expect_error("listen: 8080\n", "listen", 1, "host:port");
  expect_error("listen: \"127.0.0.1:\"\n", "listen", 1, "port");
  expect_error("listen: 127.0.0.1:65536\n", "listen", 1, "port");
  expect_error("listen: 127.0.0.1:-1\n", "listen", 1, "port");
  expect_error("listen: 127.0.0.1:8o80\n", "listen", 1, "port");
  // A port with many digits must still be a ConfigError, not an out_of_range escaping stoul.
  expect_error("listen: 127.0.0.1:99999999999999999999999\n", "listen", 1, "port");
  expect_error("\nlisten: [127.0.0.1:80, [a]]\n", "listen[1]", 2);
  expect_error("listen: {path: /x}\n", "listen", 1, "address");
  expect_error("listen: {address: \"127.0.0.1:80\", path: x}\n", "listen", 1,
               "path must start with /");
  expect_error("listen: {address: \"127.0.0.1:80\", tls: {cert: a}}\n", "listen.tls", 1, "both");
}

TEST(Config, BadServers) {
  expect_error("servers: {a: 1}\n", "servers", 1, "must be a list");
  expect_error("servers:\n  - just-a-string\n", "servers[0]", 2, "must be a map");
  expect_error("servers:\n  - command: x\n", "servers[0]", 2, "needs a 'name'");
  expect_error("servers:\n  - name: \"a b\"\n    command: x\n", "servers[0].name", 2, "letters");
  expect_error("servers:\n  - name: " + std::string(65, 'a') + "\n    command: x\n",
               "servers[0].name", 2);
  // Names that would make NAME__tool ambiguous between two servers.
  expect_error("servers:\n  - name: a__b\n    command: x\n", "servers[0].name", 2, "__");
  expect_error("servers:\n  - name: a_\n    command: x\n", "servers[0].name", 2, "__");
  EXPECT_EQ(load_string("servers:\n  - name: _a_b-c\n    command: x\n").servers[0].name, "_a_b-c");
  expect_error("servers:\n  - name: a\n    transport: grpc\n", "servers.a.transport", 3,
               "stdio, http or sse");
  expect_error("servers:\n  - name: a\n", "servers.a", 2, "needs a 'command'");
  expect_error("servers:\n  - name: a\n    command: {x: 1}\n", "servers.a.command", 3,
               "list of strings");
  expect_error("servers:\n  - name: a\n    command: [x, [y]]\n", "servers.a.command[1]", 3,
               "string");
  expect_error("servers:\n  - name: a\n    transport: http\n", "servers.a", 2, "needs a 'url'");
  expect_error("servers:\n  - name: a\n    transport: http\n    url: ftp://x/y\n", "servers.a.url",
               4, "http:// or https://");
  expect_error("servers:\n  - name: a\n    transport: sse\n    url: \"http://\"\n", "servers.a.url",
               4);
  expect_error("servers:\n  - name: a\n    command: x\n    prefix: maybe\n", "servers.a.prefix", 4,
               "true or false");
  expect_error("servers:\n  - name: a\n    command: x\n    env: [1]\n", "servers.a.env", 4, "map");
  expect_error("servers:\n  - name: a\n    command: x\n    headers: x\n", "servers.a.headers", 4,
               "map");
  expect_error("servers:\n  - name: a\n    command: x\n  - name: a\n    command: y\n", "servers.a",
               4, "duplicate server name");
}

TEST(Config, BadDurations) {
  for (std::string bad : {"fast", "-5s", "1.5s", "10d", "s", "5 sec", "[1]"}) {
    std::string yaml = "servers:\n  - name: a\n    command: x\n    connect_timeout: " + bad + "\n";
    expect_error(yaml, "servers.a.connect_timeout", 4);
  }
  expect_error("limits:\n  idle_timeout: 1x\n", "limits.idle_timeout", 2, "duration");
}

TEST(Config, HugeDurationsAndSizesAreErrorsNotOverflows) {
  // Too many digits for 64 bits, and values that overflow once the unit is applied.
  expect_error("limits:\n  idle_timeout: 99999999999999999999999\n", "limits.idle_timeout", 2);
  expect_error("limits:\n  idle_timeout: 18446744073709551615h\n", "limits.idle_timeout", 2);
  expect_error("limits:\n  max_body: 99999999999999999999999\n", "limits.max_body", 2);
  expect_error("limits:\n  max_body: 18446744073709551615G\n", "limits.max_body", 2);
}

TEST(Config, BadSizesAndNumbers) {
  for (std::string bad : {"4TB", "-1", "1.5MB", "lots", "4 M B"})
    expect_error("limits:\n  max_body: " + bad + "\n", "limits.max_body", 2, "size");
  expect_error("limits:\n  max_sessions: 0\n", "limits.max_sessions", 2, "between 1 and");
  expect_error("limits:\n  max_sessions: -3\n", "limits.max_sessions", 2);
  expect_error("limits:\n  max_sessions: many\n", "limits.max_sessions", 2, "whole number");
  expect_error("limits:\n  replay_buffer_events: 1000001\n", "limits.replay_buffer_events", 2);
  expect_error("limits: 5\n", "limits", 1, "must be a map");
}

TEST(Config, BadTopLevelLists) {
  expect_error("allowed_hosts: localhost\n", "allowed_hosts", 1, "list of strings");
  expect_error("allowed_origins:\n  - {a: 1}\n", "allowed_origins", 2, "string");
  expect_error("log_level: loud\n", "log_level", 1, "trace, debug");
}

TEST(Config, EnvironmentExpansion) {
  setenv("MCPGW_TEST_A", "alpha", 1);
  setenv("MCPGW_TEST_EMPTY", "", 1);
  unsetenv("MCPGW_TEST_UNSET");
  auto c = load_string(
      "servers:\n  - name: a\n    command: [\"x${env:MCPGW_TEST_A}y${env:MCPGW_TEST_A}\", "
      "\"${env:MCPGW_TEST_EMPTY}\", \"$HOME\", \"${nope}\"]\n");
  EXPECT_EQ(c.servers[0].command,
            (std::vector<std::string>{"xalphayalpha", "", "$HOME", "${nope}"}));
  expect_error("servers:\n  - name: a\n    command: [\"${env:MCPGW_TEST_UNSET}\"]\n",
               "servers.a.command[0]", 3, "MCPGW_TEST_UNSET is not set");
  expect_error("servers:\n  - name: a\n    command: \"${env:MCPGW_TEST_A\"\n", "servers.a.command",
               3, "unterminated");
  // An expanded value is not expanded again.
  setenv("MCPGW_TEST_NESTED", "${env:MCPGW_TEST_UNSET}", 1);
  auto n = load_string("servers:\n  - name: a\n    command: \"${env:MCPGW_TEST_NESTED}\"\n");
  EXPECT_EQ(n.servers[0].command, (std::vector<std::string>{"${env:MCPGW_TEST_UNSET}"}));
}

TEST(Config, NonScalarMapKeysAreConfigErrors) {
  std::string msg = error_of("? [a, b]\n: 1\n");
  EXPECT_NE(msg.find("line 1"), std::string::npos) << msg;
  std::string env = error_of("servers:\n  - name: a\n    command: x\n    env: {? [k] : v}\n");
  EXPECT_NE(env.find("servers.a.env"), std::string::npos) << env;
}

TEST(Config, LoadFile) {
  auto dir =
      std::filesystem::temp_directory_path() / ("mcpgw-config-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "gw.yaml").string();
  { std::ofstream(path) << "listen: 127.0.0.1:7001\nlog_level: warn\n"; }
  auto c = load_file(path);
  EXPECT_EQ(c.listeners[0].port, 7001);
  EXPECT_EQ(c.source_path, path);
  { std::ofstream(path) << "log_level: nope\n"; }
  try {
    load_file(path);
    ADD_FAILURE() << "loaded";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'log_level' (line 1)"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
  try {
    load_file(path);
    ADD_FAILURE() << "loaded a missing file";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read"), std::string::npos);
  }
}

}  // namespace
}  // namespace mcpgw::config
