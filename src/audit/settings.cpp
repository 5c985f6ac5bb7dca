// load_settings: the `audit:` section of the gateway's YAML file.
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "audit/duration.h"
#include "audit/recorder.h"
#include "ops/config.h"

namespace mcpgw::audit {
namespace {

// key: within the section ("" for the section itself).
[[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& what) {
  throw config::ConfigError::at(key.empty() ? "audit" : "audit." + key, node, what);
}

std::string scalar(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) fail(node, key, "must be a single value");
  return node.Scalar();
}

size_t positive_int(const YAML::Node& node, const std::string& key, size_t max) {
  std::string s = scalar(node, key);
  size_t value = 0;
  bool ok = !s.empty() && s.size() <= 12;
  for (char c : s) ok = ok && c >= '0' && c <= '9';
  if (ok) value = std::stoull(s);
  if (!ok || value == 0 || value > max)
    fail(node, key,
         "must be a whole number from 1 to " + std::to_string(max) + ", not '" + s + "'");
  return value;
}

std::chrono::milliseconds duration(const YAML::Node& node, const std::string& key) {
  std::string s = scalar(node, key);
  try {
    auto d = parse_duration(s);
    if (d.count() <= 0) fail(node, key, "must be longer than 0");
    return d;
  } catch (const std::invalid_argument& e) {
    fail(node, key, e.what());
  }
}

// Expands ${env:NAME} so that credentials stay out of the file.
std::string expand_env(const YAML::Node& node, const std::string& key, const std::string& text) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t start = text.find("${env:", pos);
    if (start == std::string::npos) break;
    size_t end = text.find('}', start);
    if (end == std::string::npos) fail(node, key, "unterminated ${env:...}");
    std::string name = text.substr(start + 6, end - start - 6);
    const char* value = std::getenv(name.c_str());
    if (!value) fail(node, key, "environment variable " + name + " is not set");
    out.append(text, pos, start - pos);
    out.append(value);
    pos = end + 1;
  }
  out.append(text, pos);
  return out;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0) return "gateway";
  return buf;
}

}  // namespace

Settings load_settings(const YAML::Node& section) {
  Settings s;
  if (section && !section.IsNull()) {
    if (!section.IsMap()) fail(section, "", "must be a mapping");
    static const std::set<std::string> known = {
        "sink",       "path",     "dsn",       "batch_size",      "flush_interval", "spool_dir",
        "on_failure", "instance", "max_queue", "connect_timeout", "redact_fields"};
    for (const auto& kv : section) {
      std::string key = kv.first.Scalar();
      if (!known.count(key)) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        fail(kv.first, key, "unknown key (known: " + list + ")");
      }
      const YAML::Node& v = kv.second;
      if (key == "sink") {
        std::string sink = scalar(v, key);
        if (sink == "sqlite")
          s.sink = SinkKind::Sqlite;
        else if (sink == "postgres" || sink == "postgresql")
          s.sink = SinkKind::Postgres;
        else if (sink == "jsonl")
          s.sink = SinkKind::Jsonl;
        else if (sink == "none")
          s.sink = SinkKind::None;
        else
          fail(v, key, "must be sqlite, postgres, jsonl or none, not '" + sink + "'");
      } else if (key == "path") {
        s.path = scalar(v, key);
        if (s.path.empty()) fail(v, key, "must not be empty");
      } else if (key == "dsn") {
        s.dsn = expand_env(v, key, scalar(v, key));
      } else if (key == "batch_size") {
        s.batch_size = positive_int(v, key, 10000);
      } else if (key == "flush_interval") {
        s.flush_interval = duration(v, key);
      } else if (key == "spool_dir") {
        s.spool_dir = scalar(v, key);
      } else if (key == "on_failure") {
        std::string f = scalar(v, key);
        if (f == "fail_closed")
          s.on_failure = OnFailure::FailClosed;
        else if (f == "fail_open")
          s.on_failure = OnFailure::FailOpen;
        else
          fail(v, key, "must be fail_closed or fail_open, not '" + f + "'");
      } else if (key == "instance") {
        s.instance = scalar(v, key);
        if (s.instance.empty()) fail(v, key, "must not be empty");
      } else if (key == "max_queue") {
        s.max_queue = positive_int(v, key, 100'000'000);
      } else if (key == "connect_timeout") {
        s.connect_timeout = duration(v, key);
      } else if (key == "redact_fields") {
        if (!v.IsSequence())
          fail(v, key, "must be a list of field names (e.g. [ssn, customer.number])");
        for (size_t i = 0; i < v.size(); ++i) {
          std::string item = key + "[" + std::to_string(i) + "]";
          std::string name = scalar(v[i], item);
          if (name.empty() || name.front() == '.' || name.back() == '.' ||
              name.find("..") != std::string::npos)
            fail(v[i], item, "must be a field name or a dotted path, not '" + name + "'");
          s.redact_fields.push_back(name);
        }
      }
    }
    if (s.sink == SinkKind::Postgres && s.dsn.empty()) {
      const YAML::Node sink = section["sink"];
      fail(sink, "dsn", "is required when sink is postgres (e.g. postgresql://user@host/db)");
    }
  }
  if (s.instance.empty()) s.instance = host_name();
  if (s.spool_dir.empty()) {
    if (s.sink == SinkKind::Postgres) {
      s.spool_dir = "var/audit-spool";
    } else {
      auto parent = std::filesystem::path(s.path).parent_path();
      s.spool_dir = (parent.empty() ? std::filesystem::path(".") : parent) / "audit-spool";
    }
  }
  return s;
}

}  // namespace mcpgw::audit
