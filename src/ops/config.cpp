#include "ops/config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace mcpgw::config {

ConfigError ConfigError::at(const std::string& key, const YAML::Node& node,
                            const std::string& message) {
  // A node not in the file (undefined, or looked up in a const map without the key) has no
  // line; Mark() throws on the latter.
  bool in_file = node.IsDefined() && !node.Mark().is_null();
  return at(key, in_file ? node.Mark().line + 1 : 0, message);
}

ConfigError ConfigError::at(const std::string& key, int line, const std::string& message) {
  if (line <= 0) return ConfigError(key + ": " + message);
  return ConfigError(key + " (line " + std::to_string(line) + "): " + message);
}

namespace {

[[noreturn]] void fail(const YAML::Node& n, const std::string& key, const std::string& why) {
  throw ConfigError::at(key, n, why);
}

// Replaces ${env:NAME} with the environment variable (empty string if unset is an error).
std::string expand_env(const YAML::Node& n, const std::string& key, const std::string& s) {
  std::string out;
  size_t at = 0;
  while (true) {
    size_t b = s.find("${env:", at);
    if (b == std::string::npos) break;
    size_t e = s.find('}', b);
    if (e == std::string::npos) fail(n, key, "unterminated ${env:...}");
    out.append(s, at, b - at);
    std::string name = s.substr(b + 6, e - b - 6);
    const char* v = std::getenv(name.c_str());
    if (!v) fail(n, key, "environment variable " + name + " is not set");
    out += v;
    at = e + 1;
  }
  out.append(s, at);
  return out;
}

std::string scalar(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) fail(n, key, "must be a string");
  return expand_env(n, key, n.as<std::string>());
}

bool boolean(const YAML::Node& n, const std::string& key) {
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    fail(n, key, "must be true or false");
  }
}

uint64_t integer(const YAML::Node& n, const std::string& key, uint64_t min, uint64_t max) {
  uint64_t v;
  try {
    v = n.as<uint64_t>();
  } catch (const YAML::Exception&) {
    fail(n, key, "must be a whole number");
  }
  if (v < min || v > max)
    fail(n, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return v;
}

// digits * scale, failing with the key and line when it exceeds max (or 64 bits).
uint64_t parse_bounded(const YAML::Node& n, const std::string& key, const std::string& digits,
                       uint64_t scale, uint64_t max) {
  uint64_t v = 0;
  for (char c : digits) {
    if (v > (max - (c - '0')) / 10)
      fail(n, key, "is too large (at most " + std::to_string(max) + ")");
    v = v * 10 + (c - '0');
  }
  if (v > max / scale) fail(n, key, "is too large (at most " + std::to_string(max) + ")");
  return v * scale;
}

// "30s", "500ms", "2m", "1h", or a bare number of milliseconds.
std::chrono::milliseconds duration(const YAML::Node& n, const std::string& key) {
  std::string s = scalar(n, key);
  static const std::regex re(R"(^\s*(\d+)\s*(ms|s|m|h)?\s*$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) fail(n, key, "must be a duration like 500ms, 30s, 5m or 1h");
  std::string unit = m[2];
  uint64_t scale = unit == "s" ? 1000 : unit == "m" ? 60'000 : unit == "h" ? 3'600'000 : 1;
  // Bounded (found by core-tests): stoull threw out_of_range past 20 digits, and a large value
  // times its unit overflowed silently. A year is far beyond any sensible timeout.
  uint64_t v = parse_bounded(n, key, m[1], scale, 365ull * 24 * 3'600'000);
  return std::chrono::milliseconds(v);
}

// "4MB", "16KB", "1024", "1GiB".
size_t bytes(const YAML::Node& n, const std::string& key) {
  std::string s = scalar(n, key);
  static const std::regex re(R"(^\s*(\d+)\s*([kKmMgG]i?[bB]?|[bB])?\s*$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) fail(n, key, "must be a size like 4MB, 16KB or 1024");
  std::string u = m[2];
  uint64_t scale = 1;
  if (!u.empty()) {
    char c = static_cast<char>(std::tolower(u[0]));
    if (c == 'k')
      scale = 1024;
    else if (c == 'm')
      scale = 1024 * 1024;
    else if (c == 'g')
      scale = 1024ull * 1024 * 1024;
  }
  return parse_bounded(n, key, m[1], scale, 1ull << 40);  // 1 TiB: see duration()
}

// A map key as a string. A non-scalar key (YAML allows "? [a, b]") is a ConfigError (found by
// core-tests: as<std::string>() threw a bare YAML exception).
std::string key_name(const YAML::Node& key, const std::string& what) {
  if (!key.IsScalar()) fail(key, what.empty() ? "<key>" : what, "keys must be plain strings");
  return key.as<std::string>();
}

void check_keys(const YAML::Node& map, const std::string& what, std::set<std::string> known) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string k = key_name(it->first, what);
    if (!known.count(k)) {
      std::string list;
      for (auto& s : known) list += (list.empty() ? "" : ", ") + s;
      fail(it->first, what.empty() ? k : what + "." + k,
           "unknown key (expected one of: " + list + ")");
    }
  }
}

ListenConfig parse_listen(const YAML::Node& n, const std::string& key) {
  ListenConfig l;
  std::string addr;
  if (n.IsScalar()) {
    addr = scalar(n, key);
  } else if (n.IsMap()) {
    check_keys(n, key, {"address", "path", "tls"});
    if (!n["address"]) fail(n, key, "needs 'address' (host:port)");
    addr = scalar(n["address"], key + ".address");
    if (n["path"]) l.path = scalar(n["path"], key + ".path");
    if (auto t = n["tls"]) {
      check_keys(t, key + ".tls", {"cert", "key"});
      if (!t["cert"] || !t["key"]) fail(t, key + ".tls", "needs both 'cert' and 'key'");
      l.tls_cert = scalar(t["cert"], key + ".tls.cert");
      l.tls_key = scalar(t["key"], key + ".tls.key");
    }
  } else {
    fail(n, key, "must be host:port or a map with address");
  }
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) fail(n, key, "must be host:port, e.g. 127.0.0.1:8080");
  l.host = addr.substr(0, colon);
  if (l.host.size() > 2 && l.host.front() == '[' && l.host.back() == ']')
    l.host = l.host.substr(1, l.host.size() - 2);
  std::string port = addr.substr(colon + 1);
  // The length check keeps stoul from throwing out_of_range on a long digit string (core-tests).
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535)
    fail(n, key, "port must be a number from 0 to 65535");
  l.port = static_cast<uint16_t>(std::stoul(port));
  if (l.path.empty() || l.path[0] != '/') fail(n, key, "path must start with /");
  return l;
}

ServerConfig parse_server(const YAML::Node& n, size_t index) {
  std::string key = "servers[" + std::to_string(index) + "]";
  if (!n.IsMap()) fail(n, key, "must be a map with name and transport");
  check_keys(n, key,
             {"name", "transport", "command", "env", "cwd", "url", "headers", "prefix",
              "connect_timeout", "request_timeout", "restart_backoff", "restart_backoff_max"});
  ServerConfig s;
  s.line = n.Mark().line + 1;
  if (!n["name"]) fail(n, key, "needs a 'name'");
  s.name = scalar(n["name"], key + ".name");
  static const std::regex name_re("^[A-Za-z0-9_-]{1,64}$");
  if (!std::regex_match(s.name, name_re))
    fail(n["name"], key + ".name", "must be 1-64 letters, digits, '_' or '-'");
  // Exposed names are NAME__tool. With "__" inside a name, or a name ending in '_', two servers
  // could expose the same name ("a__b"+"c" and "a"+"b__c") and calls would go to the wrong one
  // (found by core-tests).
  if (s.name.find("__") != std::string::npos || s.name.back() == '_')
    fail(n["name"], key + ".name",
         "must not contain \"__\" or end with '_' (the prefix separator)");
  key = "servers." + s.name;
  std::string transport = n["transport"] ? scalar(n["transport"], key + ".transport") : "stdio";
  if (transport == "stdio")
    s.transport = TransportKind::Stdio;
  else if (transport == "http")
    s.transport = TransportKind::Http;
  else if (transport == "sse")
    s.transport = TransportKind::Sse;
  else
    fail(n["transport"], key + ".transport", "must be stdio, http or sse");
  if (auto c = n["command"]) {
    if (c.IsScalar()) {
      std::istringstream words(scalar(c, key + ".command"));
      for (std::string w; words >> w;) s.command.push_back(w);
    } else if (c.IsSequence()) {
      for (size_t i = 0; i < c.size(); ++i)
        s.command.push_back(scalar(c[i], key + ".command[" + std::to_string(i) + "]"));
    } else {
      fail(c, key + ".command", "must be a list of strings");
    }
  }
  if (auto e = n["env"]) {
    if (!e.IsMap()) fail(e, key + ".env", "must be a map");
    for (auto it = e.begin(); it != e.end(); ++it) {
      std::string name = key_name(it->first, key + ".env");
      s.env[name] = scalar(it->second, key + ".env." + name);
    }
  }
  if (n["cwd"]) s.cwd = scalar(n["cwd"], key + ".cwd");
  if (n["url"]) s.url = scalar(n["url"], key + ".url");
  if (auto h = n["headers"]) {
    if (!h.IsMap()) fail(h, key + ".headers", "must be a map");
    for (auto it = h.begin(); it != h.end(); ++it) {
      std::string name = key_name(it->first, key + ".headers");
      s.headers[name] = scalar(it->second, key + ".headers." + name);
    }
  }
  if (n["prefix"]) s.prefix = boolean(n["prefix"], key + ".prefix");
  if (n["connect_timeout"])
    s.connect_timeout = duration(n["connect_timeout"], key + ".connect_timeout");
  if (n["request_timeout"])
    s.request_timeout = duration(n["request_timeout"], key + ".request_timeout");
  if (n["restart_backoff"])
    s.restart_backoff_initial = duration(n["restart_backoff"], key + ".restart_backoff");
  if (n["restart_backoff_max"])
    s.restart_backoff_max = duration(n["restart_backoff_max"], key + ".restart_backoff_max");

  if (s.transport == TransportKind::Stdio && s.command.empty())
    fail(n, key, "a stdio server needs a 'command'");
  if (s.transport != TransportKind::Stdio) {
    static const std::regex url_re(R"(^https?://[^/\s]+(/\S*)?$)");
    if (s.url.empty()) fail(n, key, "an " + transport + " server needs a 'url'");
    if (!std::regex_match(s.url, url_re))
      fail(n["url"], key + ".url", "must be an http:// or https:// URL");
  }
  return s;
}

Config parse(const YAML::Node& root, const std::string& source) {
  Config c;
  c.source_path = source;
  c.raw = std::make_shared<YAML::Node>(root);
  if (root.IsNull()) throw ConfigError::at(source, 0, "is empty");
  check_keys(root, "",
             {"listen", "allowed_hosts", "allowed_origins", "servers", "limits", "log_level",
              "auth", "policy", "audit", "metrics", "rate_limits", "admin"});
  if (auto l = root["listen"]) {
    if (l.IsSequence()) {
      for (size_t i = 0; i < l.size(); ++i)
        c.listeners.push_back(parse_listen(l[i], "listen[" + std::to_string(i) + "]"));
    } else {
      c.listeners.push_back(parse_listen(l, "listen"));
    }
  } else {
    c.listeners.push_back(ListenConfig{});
  }
  auto list = [&](const char* key, std::vector<std::string>& out) {
    if (auto h = root[key]) {
      if (!h.IsSequence()) fail(h, key, "must be a list of strings");
      for (size_t i = 0; i < h.size(); ++i)
        out.push_back(scalar(h[i], std::string(key) + "[" + std::to_string(i) + "]"));
    }
  };
  list("allowed_hosts", c.allowed_hosts);
  list("allowed_origins", c.allowed_origins);
  if (auto s = root["servers"]) {
    if (!s.IsSequence()) fail(s, "servers", "must be a list");
    std::set<std::string> names;
    for (size_t i = 0; i < s.size(); ++i) {
      auto server = parse_server(s[i], i);
      if (!names.insert(server.name).second)
        fail(s[i], "servers." + server.name, "duplicate server name");
      c.servers.push_back(std::move(server));
    }
  }
  if (auto l = root["limits"]) {
    if (!l.IsMap()) fail(l, "limits", "must be a map");
    check_keys(l, "limits",
               {"max_body", "max_header", "idle_timeout", "session_idle_timeout",
                "replay_buffer_events", "max_sessions"});
    if (l["max_body"]) c.limits.max_body_bytes = bytes(l["max_body"], "limits.max_body");
    if (l["max_header"]) {
      c.limits.max_header_bytes = bytes(l["max_header"], "limits.max_header");
      // Beast keeps each header field's length in 16 bits and throws on a longer one, which
      // ended the gateway on a single 64 KB header (found by the auth attack suite).
      if (c.limits.max_header_bytes > 64 * 1024)
        fail(l["max_header"], "limits.max_header", "must be at most 64KB");
    }
    if (l["idle_timeout"])
      c.limits.idle_timeout = duration(l["idle_timeout"], "limits.idle_timeout");
    if (l["session_idle_timeout"])
      c.limits.session_idle_timeout =
          duration(l["session_idle_timeout"], "limits.session_idle_timeout");
    if (l["replay_buffer_events"])
      c.limits.replay_buffer_events =
          integer(l["replay_buffer_events"], "limits.replay_buffer_events", 0, 1'000'000);
    if (l["max_sessions"])
      c.limits.max_sessions = integer(l["max_sessions"], "limits.max_sessions", 1, 10'000'000);
  }
  if (auto l = root["log_level"]) {
    c.log_level = scalar(l, "log_level");
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "off"};
    if (!levels.count(c.log_level))
      fail(l, "log_level", "must be trace, debug, info, warn, error or off");
  }
  return c;
}

// The document: a map, or null when empty. Errors about the whole document have no key: the
// source takes its place.
YAML::Node read_string(const std::string& yaml, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    throw ConfigError::at(source_name, e.mark.is_null() ? 0 : e.mark.line + 1,
                          e.msg + " (column " + std::to_string(e.mark.column + 1) + ")");
  }
  if (!root.IsNull() && !root.IsMap())
    throw ConfigError::at(source_name, root, "the top level must be a map");
  return root;
}

}  // namespace

Config load_string(const std::string& yaml, const std::string& source_name) {
  return parse(read_string(yaml, source_name), source_name);
}

YAML::Node read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError::at(path, 0, std::string("cannot be read: ") + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return read_string(ss.str(), path);
}

Config load_file(const std::string& path) {
  return parse(read_file(path), path);
}

}  // namespace mcpgw::config
