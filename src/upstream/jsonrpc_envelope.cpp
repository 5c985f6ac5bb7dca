#include "upstream/jsonrpc_envelope.h"

#include <nlohmann/json.hpp>

namespace mcpgw::upstream {

namespace {

struct Scanner {
  std::string_view s;
  size_t i = 0;

  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }
  bool string() {  // at '"': skips past the closing quote
    for (++i; i < s.size(); ++i) {
      if (s[i] == '\\')
        ++i;
      else if (s[i] == '"')
        return ++i, true;
    }
    return false;
  }
  bool value() {
    ws();
    if (i >= s.size()) return false;
    if (s[i] == '"') return string();
    if (s[i] == '{' || s[i] == '[') {
      int depth = 0;
      while (i < s.size()) {
        char c = s[i];
        if (c == '"') {
          if (!string()) return false;
          continue;
        }
        if (c == '{' || c == '[') ++depth;
        if (c == '}' || c == ']') {
          if (--depth == 0) return ++i, true;
        }
        ++i;
      }
      return false;
    }
    size_t start = i;
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
           s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
      ++i;
    return i > start;
  }
};

struct Envelope {
  bool has_method = false, has_reply = false;
  std::string_view id;  // raw text; empty when absent
};

// Scans one object at scanner position; false if it is not a well-formed object.
bool scan_object(Scanner& sc, Envelope& env) {
  sc.ws();
  if (sc.i >= sc.s.size() || sc.s[sc.i] != '{') return false;
  ++sc.i;
  sc.ws();
  if (sc.i < sc.s.size() && sc.s[sc.i] == '}') return ++sc.i, true;
  while (sc.i < sc.s.size()) {
    sc.ws();
    if (sc.i >= sc.s.size() || sc.s[sc.i] != '"') return false;
    size_t key_start = sc.i + 1;
    if (!sc.string()) return false;
    std::string_view key = sc.s.substr(key_start, sc.i - key_start - 1);
    sc.ws();
    if (sc.i >= sc.s.size() || sc.s[sc.i] != ':') return false;
    ++sc.i;
    sc.ws();
    size_t value_start = sc.i;
    if (!sc.value()) return false;
    if (key == "method")
      env.has_method = true;
    else if (key == "result" || key == "error")
      env.has_reply = true;
    else if (key == "id")
      env.id = sc.s.substr(value_start, sc.i - value_start);
    sc.ws();
    if (sc.i < sc.s.size() && sc.s[sc.i] == ',') {
      ++sc.i;
      continue;
    }
    if (sc.i < sc.s.size() && sc.s[sc.i] == '}') return ++sc.i, true;
    return false;
  }
  return false;
}

template <class Pick>
std::vector<std::string> collect(std::string_view message, Pick pick) {
  std::vector<std::string> ids;
  Scanner sc{message};
  auto take = [&](const Envelope& env) {
    if (env.id.empty() || !pick(env)) return;
    // Canonical text, so that `1` and `1 ` or differently escaped strings compare equal.
    auto id = nlohmann::json::parse(env.id, nullptr, false);
    if (id.is_discarded() || id.is_null()) return;
    ids.push_back(id.dump());
  };
  sc.ws();
  if (sc.i < message.size() && message[sc.i] == '[') {
    ++sc.i;
    while (true) {
      Envelope env;
      if (!scan_object(sc, env)) break;
      take(env);
      sc.ws();
      if (sc.i < message.size() && message[sc.i] == ',')
        ++sc.i;
      else
        break;
    }
  } else {
    Envelope env;
    if (scan_object(sc, env)) take(env);
  }
  return ids;
}

}  // namespace

std::vector<std::string> request_ids(std::string_view message) {
  return collect(message, [](const Envelope& e) { return e.has_method; });
}

std::vector<std::string> response_ids(std::string_view message) {
  return collect(message, [](const Envelope& e) { return !e.has_method && e.has_reply; });
}

std::string error_response(std::string_view id_json, int code, std::string_view message) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  auto id = nlohmann::json::parse(id_json, nullptr, false);
  if (id.is_discarded()) id = nullptr;
  return nlohmann::json{{"jsonrpc", "2.0"}, {"id", id}, {"error", error}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mcpgw::upstream
