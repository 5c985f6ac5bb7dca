#include "audit/sanitize.h"

namespace mcpgw::audit {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid (overlong
// forms, surrogates and code points above U+10FFFF included).
size_t valid_sequence_length(const std::string& s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return c == 0 ? 0 : 1;
  size_t n;
  uint32_t cp;
  if ((c & 0xe0) == 0xc0)
    n = 2, cp = c & 0x1f;
  else if ((c & 0xf0) == 0xe0)
    n = 3, cp = c & 0x0f;
  else if ((c & 0xf8) == 0xf0)
    n = 4, cp = c & 0x07;
  else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

void sanitize_json(nlohmann::json& j) {
  if (j.is_string()) {
    sanitize_text(j.get_ref<std::string&>());
  } else if (j.is_number_float()) {
    // PostgreSQL's numeric has no negative zero: store what reads back the same.
    if (j.get<double>() == 0.0) j = 0.0;
  } else if (j.is_object()) {
    // Keys can be invalid too; rebuild the object only when one is.
    bool bad_key = false;
    for (auto it = j.begin(); it != j.end(); ++it) {
      std::string k = it.key();
      if (sanitize_text(k)) bad_key = true;
      sanitize_json(it.value());
    }
    if (bad_key) {
      nlohmann::json fixed = nlohmann::json::object();
      for (auto it = j.begin(); it != j.end(); ++it) {
        std::string k = it.key();
        sanitize_text(k);
        fixed[k] = std::move(it.value());
      }
      j = std::move(fixed);
    }
  } else if (j.is_array()) {
    for (auto& v : j) sanitize_json(v);
  }
}

bool sanitize_text(std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t n = valid_sequence_length(s, i);
    if (n == 0) break;
    i += n;
  }
  if (i == s.size()) return false;  // the common case: nothing to do, nothing copied
  std::string out = s.substr(0, i);
  while (i < s.size()) {
    size_t n = valid_sequence_length(s, i);
    if (n == 0) {
      out.append("\xef\xbf\xbd");
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  s = std::move(out);
  return true;
}

void sanitize(Event& e) {
  for (std::string* s :
       {&e.instance, &e.session_id, &e.subject, &e.client_addr, &e.user_agent, &e.mcp_method,
        &e.server, &e.target, &e.decision, &e.reason, &e.policy_revision, &e.outcome, &e.trace_id})
    sanitize_text(*s);
  for (auto& r : e.roles) sanitize_text(r);
  sanitize_json(e.arguments);
}

}  // namespace mcpgw::audit
