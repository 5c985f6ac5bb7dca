#include "audit/event.h"

#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "json/envelope.h"

namespace mcpgw::audit {

namespace {
void put_digits(char* out, int64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}
}  // namespace

// The writer formats every event's time: the calendar part is computed once per second (cached
// per thread) and the microseconds are written by hand, without gmtime_r or printf.
std::string format_time(int64_t time_us) {
  int64_t secs = time_us / 1000000;
  int64_t micros = time_us % 1000000;
  if (micros < 0) {
    micros += 1000000;
    secs -= 1;
  }
  thread_local int64_t cached_secs = INT64_MIN;
  thread_local char cached[20];  // "YYYY-MM-DDTHH:MM:SS"
  if (secs != cached_secs) {
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (std::strlen(buf) != 19) {  // a year outside 0000-9999: no fast path
      char full[96];
      std::snprintf(full, sizeof full, "%s.%06lldZ", buf, static_cast<long long>(micros));
      return full;
    }
    std::memcpy(cached, buf, 19);
    cached_secs = secs;
  }
  std::string out(27, '\0');
  std::memcpy(out.data(), cached, 19);
  out[19] = '.';
  put_digits(out.data() + 20, micros, 6);
  out[26] = 'Z';
  return out;
}

std::string to_json_line(const Event& e) {
  std::string out;
  out.reserve(768);
  bool first = true;
  auto key = [&](const char* k) {
    out += first ? "{\"" : ",\"";
    first = false;
    out += k;
    out += "\":";
  };
  auto str = [&](const char* k, const std::string& v) {
    key(k);
    json::append_quoted(out, v);
  };
  auto num = [&](const char* k, int64_t v) {
    key(k);
    out += std::to_string(v);
  };
  // Keys in sorted order, as nlohmann::json (a std::map) prints to_json(e).
  key("arguments");
  out += arguments_json(e);
  str("client_addr", e.client_addr);
  str("decision", e.decision);
  key("error_code");
  out += e.error_code ? std::to_string(*e.error_code) : "null";
  str("hash", e.hash);
  str("id", e.id);
  str("instance", e.instance);
  str("mcp_method", e.mcp_method);
  str("outcome", e.outcome);
  str("policy_revision", e.policy_revision);
  str("prev_hash", e.prev_hash);
  str("reason", e.reason);
  num("response_bytes", e.response_bytes);
  key("roles");
  out += roles_json(e);
  num("seq", e.seq);
  str("server", e.server);
  str("session_id", e.session_id);
  str("subject", e.subject);
  str("target", e.target);
  str("time", format_time(e.time_us));
  str("trace_id", e.trace_id);
  num("upstream_latency_us", e.upstream_latency_us);
  str("user_agent", e.user_agent);
  out.push_back('}');
  return out;
}

std::string arguments_json(const Event& e) {
  if (!e.arguments_text.empty()) return e.arguments_text;
  return e.arguments.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string roles_json(const Event& e) {
  std::string out = "[";
  for (size_t i = 0; i < e.roles.size(); ++i) {
    if (i) out.push_back(',');
    json::append_quoted(out, e.roles[i]);
  }
  out.push_back(']');
  return out;
}

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" and "+HH:MM" offsets (also a space
// instead of the T, as PostgreSQL prints it).
int64_t parse_time(const std::string& text) {
  int year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0, used = 0;
  const char* s = text.c_str();
  if (std::sscanf(s, "%4d-%2d-%2d%n", &year, &mon, &day, &used) != 3 || used != 10)
    throw std::invalid_argument("bad time '" + text +
                                "': expected YYYY-MM-DD[THH:MM:SS[.ffffff]Z]");
  size_t pos = 10;
  int64_t micros = 0;
  int64_t offset_s = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != ' ')
      throw std::invalid_argument("bad time '" + text + "': expected T after the date");
    if (std::sscanf(s + pos + 1, "%2d:%2d:%2d%n", &hour, &min, &sec, &used) != 3 || used != 8)
      throw std::invalid_argument("bad time '" + text + "': expected HH:MM:SS");
    pos += 9;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        if (digits < 6) micros = micros * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) throw std::invalid_argument("bad time '" + text + "': empty fraction");
      for (int d = digits; d < 6; ++d) micros *= 10;
    }
    if (pos < text.size() && text[pos] == 'Z') {
      ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      int oh = 0, om = 0;
      int sign = text[pos] == '-' ? -1 : 1;
      std::string rest = text.substr(pos + 1);
      if (std::sscanf(rest.c_str(), "%2d:%2d%n", &oh, &om, &used) == 2 && used == 5) {
        pos += 6;
      } else if (std::sscanf(rest.c_str(), "%2d%n", &oh, &used) == 1 && used == 2) {
        pos += 3;
      } else {
        throw std::invalid_argument("bad time '" + text + "': bad UTC offset");
      }
      offset_s = sign * (oh * 3600 + om * 60);
    } else {
      throw std::invalid_argument("bad time '" + text + "': expected Z or a UTC offset");
    }
  }
  if (pos != text.size()) throw std::invalid_argument("bad time '" + text + "': trailing text");
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
    throw std::invalid_argument("bad time '" + text + "': field out of range");
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset_s;
  return secs * 1000000 + micros;
}

nlohmann::json to_json(const Event& e) {
  nlohmann::json j = {
      {"id", e.id},
      {"instance", e.instance},
      {"seq", e.seq},
      {"time", format_time(e.time_us)},
      {"session_id", e.session_id},
      {"subject", e.subject},
      {"roles", e.roles},
      {"client_addr", e.client_addr},
      {"user_agent", e.user_agent},
      {"mcp_method", e.mcp_method},
      {"server", e.server},
      {"target", e.target},
      {"arguments", e.arguments},
      {"decision", e.decision},
      {"reason", e.reason},
      {"policy_revision", e.policy_revision},
      {"upstream_latency_us", e.upstream_latency_us},
      {"outcome", e.outcome},
      {"error_code", e.error_code ? nlohmann::json(*e.error_code) : nlohmann::json(nullptr)},
      {"response_bytes", e.response_bytes},
      {"trace_id", e.trace_id},
      {"prev_hash", e.prev_hash},
      {"hash", e.hash},
  };
  return j;
}

namespace {
std::string get_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string())
    throw std::invalid_argument(std::string("event field '") + key + "' is not a string");
  return it->get<std::string>();
}
int64_t get_int(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return 0;
  if (!it->is_number_integer())
    throw std::invalid_argument(std::string("event field '") + key + "' is not an integer");
  return it->get<int64_t>();
}
}  // namespace

Event event_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("event is not a JSON object");
  Event e;
  e.id = get_string(j, "id");
  e.instance = get_string(j, "instance");
  e.seq = get_int(j, "seq");
  std::string t = get_string(j, "time");
  e.time_us = t.empty() ? 0 : parse_time(t);
  e.session_id = get_string(j, "session_id");
  e.subject = get_string(j, "subject");
  if (auto it = j.find("roles"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) throw std::invalid_argument("event field 'roles' is not an array");
    for (const auto& r : *it) {
      if (!r.is_string()) throw std::invalid_argument("event field 'roles' holds a non-string");
      e.roles.push_back(r.get<std::string>());
    }
  }
  e.client_addr = get_string(j, "client_addr");
  e.user_agent = get_string(j, "user_agent");
  e.mcp_method = get_string(j, "mcp_method");
  e.server = get_string(j, "server");
  e.target = get_string(j, "target");
  if (auto it = j.find("arguments"); it != j.end()) e.arguments = *it;
  e.decision = get_string(j, "decision");
  e.reason = get_string(j, "reason");
  e.policy_revision = get_string(j, "policy_revision");
  e.upstream_latency_us = get_int(j, "upstream_latency_us");
  e.outcome = get_string(j, "outcome");
  if (auto it = j.find("error_code"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer())
      throw std::invalid_argument("event field 'error_code' is not an integer");
    e.error_code = it->get<int64_t>();
  }
  e.response_bytes = get_int(j, "response_bytes");
  e.trace_id = get_string(j, "trace_id");
  e.prev_hash = get_string(j, "prev_hash");
  e.hash = get_string(j, "hash");
  return e;
}

}  // namespace mcpgw::audit
