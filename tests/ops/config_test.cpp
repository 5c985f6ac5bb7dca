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

// The error is exactly "<key> (line N): <message>".
void expect_error(const std::string& yaml, const std::string& key, int line,
                  const std::string& message) {
  EXPECT_EQ(error_of(yaml), key + " (line " + std::to_string(line) + "): " + message) << yaml;
}

const std::string kTopKeys =
    "unknown key (expected one of: admin, allowed_hosts, allowed_origins, audit, auth, limits, "
    "listen, log_level, metrics, policy, rate_limits, servers)";
const std::string kServerKeys =
    "unknown key (expected one of: command, connect_timeout, cwd, env, headers, name, prefix, "
    "request_timeout, restart_backoff, restart_backoff_max, transport, url)";
const std::string kPort = "port must be a number from 0 to 65535";
const std::string kUrl = "must be an http:// or https:// URL";
const std::string kDuration = "must be a duration like 500ms, 30s, 5m or 1h";
const std::string kSize = "must be a size like 4MB, 16KB or 1024";

TEST(ConfigError, OneFormatWithOrWithoutALine) {
  EXPECT_STREQ(ConfigError::at("servers.files.command", 7, "must be a list of strings").what(),
               "servers.files.command (line 7): must be a list of strings");
  EXPECT_STREQ(ConfigError::at("auth.issuers[0]", 0, "jwks_file x cannot be read").what(),
               "auth.issuers[0]: jwks_file x cannot be read");
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
  // About the whole document: the source takes the key's place.
  EXPECT_EQ(error_of(""), "<string>: is empty");
  EXPECT_EQ(error_of("- a\n- b\n"), "<string> (line 1): the top level must be a map");
}

TEST(Config, YamlSyntaxErrorNamesLineAndColumn) {
  EXPECT_EQ(error_of("log_level: info\nservers: [\n  {name: a\n"),
            "<string> (line 4): end of map flow not found (column 1)");
}

TEST(Config, UnknownKeysAreNamed) {
  expect_error("log_level: info\nlistn: 1\n", "listn", 2, kTopKeys);
  expect_error("limits:\n  max_bodyy: 1\n", "limits.max_bodyy", 2,
               "unknown key (expected one of: idle_timeout, max_body, max_header, max_sessions, "
               "replay_buffer_events, session_idle_timeout)");
  expect_error("servers:\n  - name: a\n    command: x\n    comand: y\n", "servers[0].comand", 4,
               kServerKeys);
  expect_error("listen: {address: 1.2.3.4:5, tls: {cert: a, key: b, pass: c}}\n", "listen.tls.pass",
               1, "unknown key (expected one of: cert, key)");
}

TEST(Config, BadListen) {
  expect_error("listen: 8080\n", "listen", 1, "must be host:port, e.g. 127.0.0.1:8080");
  expect_error("listen: \"127.0.0.1:\"\n", "listen", 1, kPort);
  expect_error("listen: 127.0.0.1:65536\n", "listen", 1, kPort);
  expect_error("listen: 127.0.0.1:-1\n", "listen", 1, kPort);
  expect_error("listen: 127.0.0.1:8o80\n", "listen", 1, kPort);
  // A port with many digits must still be a ConfigError, not an out_of_range escaping stoul.
  expect_error("listen: 127.0.0.1:99999999999999999999999\n", "listen", 1, kPort);
  expect_error("\nlisten: [127.0.0.1:80, [a]]\n", "listen[1]", 2,
               "must be host:port or a map with address");
  expect_error("listen: {path: /x}\n", "listen", 1, "needs 'address' (host:port)");
  expect_error("listen: {address: \"127.0.0.1:80\", path: x}\n", "listen", 1,
               "path must start with /");
  expect_error("listen: {address: \"127.0.0.1:80\", tls: {cert: a}}\n", "listen.tls", 1,
               "needs both 'cert' and 'key'");
}

TEST(Config, BadServers) {
  expect_error("servers: {a: 1}\n", "servers", 1, "must be a list");
  expect_error("servers:\n  - just-a-string\n", "servers[0]", 2,
               "must be a map with name and transport");
  expect_error("servers:\n  - command: x\n", "servers[0]", 2, "needs a 'name'");
  const std::string bad_name = "must be 1-64 letters, digits, '_' or '-'";
  expect_error("servers:\n  - name: \"a b\"\n    command: x\n", "servers[0].name", 2, bad_name);
  expect_error("servers:\n  - name: " + std::string(65, 'a') + "\n    command: x\n",
               "servers[0].name", 2, bad_name);
  // Names that would make NAME__tool ambiguous between two servers.
  const std::string separator = "must not contain \"__\" or end with '_' (the prefix separator)";
  expect_error("servers:\n  - name: a__b\n    command: x\n", "servers[0].name", 2, separator);
  expect_error("servers:\n  - name: a_\n    command: x\n", "servers[0].name", 2, separator);
  EXPECT_EQ(load_string("servers:\n  - name: _a_b-c\n    command: x\n").servers[0].name, "_a_b-c");
  expect_error("servers:\n  - name: a\n    transport: grpc\n", "servers.a.transport", 3,
               "must be stdio, http or sse");
  expect_error("servers:\n  - name: a\n", "servers.a", 2, "a stdio server needs a 'command'");
  expect_error("servers:\n  - name: a\n    command: {x: 1}\n", "servers.a.command", 3,
               "must be a list of strings");
  expect_error("servers:\n  - name: a\n    command: [x, [y]]\n", "servers.a.command[1]", 3,
               "must be a string");
  expect_error("servers:\n  - name: a\n    transport: http\n", "servers.a", 2,
               "an http server needs a 'url'");
  expect_error("servers:\n  - name: a\n    transport: http\n    url: ftp://x/y\n", "servers.a.url",
               4, kUrl);
  expect_error("servers:\n  - name: a\n    transport: sse\n    url: \"http://\"\n", "servers.a.url",
               4, kUrl);
  expect_error("servers:\n  - name: a\n    command: x\n    prefix: maybe\n", "servers.a.prefix", 4,
               "must be true or false");
  expect_error("servers:\n  - name: a\n    command: x\n    env: [1]\n", "servers.a.env", 4,
               "must be a map");
  expect_error("servers:\n  - name: a\n    command: x\n    headers: x\n", "servers.a.headers", 4,
               "must be a map");
  // A value inside a map is named by its own key.
  expect_error("servers:\n  - name: a\n    command: x\n    env:\n      HOME: [1]\n",
               "servers.a.env.HOME", 5, "must be a string");
  expect_error("servers:\n  - name: a\n    command: x\n    headers: {X-Key: {a: 1}}\n",
               "servers.a.headers.X-Key", 4, "must be a string");
  expect_error("servers:\n  - name: a\n    command: x\n  - name: a\n    command: y\n", "servers.a",
               4, "duplicate server name");
}

TEST(Config, BadDurations) {
  for (std::string bad : {"fast", "-5s", "1.5s", "10d", "s", "5 sec", "[1]"}) {
    std::string yaml = "servers:\n  - name: a\n    command: x\n    connect_timeout: " + bad + "\n";
    expect_error(yaml, "servers.a.connect_timeout", 4,
                 bad == "[1]" ? "must be a string" : kDuration);
  }
  expect_error("limits:\n  idle_timeout: 1x\n", "limits.idle_timeout", 2, kDuration);
}

TEST(Config, HugeDurationsAndSizesAreErrorsNotOverflows) {
  // Too many digits for 64 bits, and values that overflow once the unit is applied.
  const std::string year = "is too large (at most 31536000000)";
  expect_error("limits:\n  idle_timeout: 99999999999999999999999\n", "limits.idle_timeout", 2,
               year);
  expect_error("limits:\n  idle_timeout: 18446744073709551615h\n", "limits.idle_timeout", 2, year);
  const std::string tib = "is too large (at most 1099511627776)";
  expect_error("limits:\n  max_body: 99999999999999999999999\n", "limits.max_body", 2, tib);
  expect_error("limits:\n  max_body: 18446744073709551615G\n", "limits.max_body", 2, tib);
}

TEST(Config, BadSizesAndNumbers) {
  for (std::string bad : {"4TB", "-1", "1.5MB", "lots", "4 M B"})
    expect_error("limits:\n  max_body: " + bad + "\n", "limits.max_body", 2, kSize);
  expect_error("limits:\n  max_sessions: 0\n", "limits.max_sessions", 2,
               "must be between 1 and 10000000");
  expect_error("limits:\n  max_sessions: -3\n", "limits.max_sessions", 2, "must be a whole number");
  expect_error("limits:\n  max_sessions: many\n", "limits.max_sessions", 2,
               "must be a whole number");
  expect_error("limits:\n  replay_buffer_events: 1000001\n", "limits.replay_buffer_events", 2,
               "must be between 0 and 1000000");
  expect_error("limits: 5\n", "limits", 1, "must be a map");
}

TEST(Config, BadTopLevelLists) {
  expect_error("allowed_hosts: localhost\n", "allowed_hosts", 1, "must be a list of strings");
  expect_error("allowed_origins:\n  - \"http://a\"\n  - {a: 1}\n", "allowed_origins[1]", 3,
               "must be a string");
  expect_error("log_level: loud\n", "log_level", 1,
               "must be trace, debug, info, warn, error or off");
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
               "servers.a.command[0]", 3, "environment variable MCPGW_TEST_UNSET is not set");
  expect_error("servers:\n  - name: a\n    command: \"${env:MCPGW_TEST_A\"\n", "servers.a.command",
               3, "unterminated ${env:...}");
  expect_error(
      "servers:\n  - name: a\n    command: x\n    env: {TOKEN: \"${env:MCPGW_TEST_UNSET}\"}\n",
      "servers.a.env.TOKEN", 4, "environment variable MCPGW_TEST_UNSET is not set");
  // An expanded value is not expanded again.
  setenv("MCPGW_TEST_NESTED", "${env:MCPGW_TEST_UNSET}", 1);
  auto n = load_string("servers:\n  - name: a\n    command: \"${env:MCPGW_TEST_NESTED}\"\n");
  EXPECT_EQ(n.servers[0].command, (std::vector<std::string>{"${env:MCPGW_TEST_UNSET}"}));
}

TEST(Config, NonScalarMapKeysAreConfigErrors) {
  expect_error("? [a, b]\n: 1\n", "<key>", 1, "keys must be plain strings");
  expect_error("servers:\n  - name: a\n    command: x\n    env: {? [k] : v}\n", "servers.a.env", 4,
               "keys must be plain strings");
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
    EXPECT_STREQ(e.what(), "log_level (line 1): must be trace, debug, info, warn, error or off");
  }
  std::filesystem::remove_all(dir);
  try {
    load_file(path);
    ADD_FAILURE() << "loaded a missing file";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.what(), path + ": cannot be read: No such file or directory");
  }
}

}  // namespace
}  // namespace mcpgw::config
