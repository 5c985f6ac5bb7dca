#include "json/envelope.h"

#include <algorithm>
#include <cstring>

namespace mcpgw::json {
namespace {

constexpr int kMaxDepth = 256;
constexpr size_t npos = std::string_view::npos;

size_t skip_ws(std::string_view t, size_t p) {
  while (p < t.size() && (t[p] == ' ' || t[p] == '\n' || t[p] == '\r' || t[p] == '\t')) ++p;
  return p;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// p at the opening quote; returns the offset after the closing quote, or npos.
size_t skip_string(std::string_view t, size_t p) {
  ++p;
  while (p < t.size()) {
    // Fast path: jump to the next quote or backslash.
    const char* base = t.data() + p;
    size_t n = t.size() - p;
    const void* q = std::memchr(base, '"', n);
    size_t stop = q ? static_cast<const char*>(q) - t.data() : t.size();
    const void* b = std::memchr(base, '\\', stop - p);
    if (b) stop = static_cast<const char*>(b) - t.data();
    for (size_t i = p; i < stop; ++i)
      if (static_cast<unsigned char>(t[i]) < 0x20) return npos;  // raw control character
    if (stop >= t.size()) return npos;
    if (t[stop] == '"') return stop + 1;
    // backslash escape
    p = stop + 1;
    if (p >= t.size()) return npos;
    char e = t[p];
    if (e == 'u') {
      if (p + 4 >= t.size()) return npos;
      for (int i = 1; i <= 4; ++i)
        if (!is_hex(t[p + i])) return npos;
      p += 5;
    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
               e == 't') {
      ++p;
    } else {
      return npos;
    }
  }
  return npos;
}

size_t skip_number(std::string_view t, size_t p) {
  size_t s = p;
  if (p < t.size() && t[p] == '-') ++p;
  if (p >= t.size()) return npos;
  if (t[p] == '0') {
    ++p;
  } else if (t[p] >= '1' && t[p] <= '9') {
    while (p < t.size() && t[p] >= '0' && t[p] <= '9') ++p;
  } else {
    return npos;
  }
  if (p < t.size() && t[p] == '.') {
    ++p;
    size_t d = p;
    while (p < t.size() && t[p] >= '0' && t[p] <= '9') ++p;
    if (p == d) return npos;
  }
  if (p < t.size() && (t[p] == 'e' || t[p] == 'E')) {
    ++p;
    if (p < t.size() && (t[p] == '+' || t[p] == '-')) ++p;
    size_t d = p;
    while (p < t.size() && t[p] >= '0' && t[p] <= '9') ++p;
    if (p == d) return npos;
  }
  return p > s ? p : npos;
}

size_t skip_literal(std::string_view t, size_t p, std::string_view word) {
  return t.substr(p, word.size()) == word ? p + word.size() : npos;
}

// Calls fn(key_span_with_quotes, value_span) for each member of the object at p ('{').
// Returns the end offset or npos.
template <typename Fn>
size_t walk_object(std::string_view t, size_t p, int depth, Fn&& fn) {
  ++p;
  p = skip_ws(t, p);
  if (p < t.size() && t[p] == '}') return p + 1;
  while (true) {
    p = skip_ws(t, p);
    if (p >= t.size() || t[p] != '"') return npos;
    size_t ks = p;
    p = skip_string(t, p);
    if (p == npos) return npos;
    Span key{ks, p - ks};
    p = skip_ws(t, p);
    if (p >= t.size() || t[p] != ':') return npos;
    p = skip_ws(t, p + 1);
    size_t vs = p;
    p = skip_value(t, p, depth + 1);
    if (p == npos) return npos;
    fn(key, Span{vs, p - vs});
    p = skip_ws(t, p);
    if (p >= t.size()) return npos;
    if (t[p] == '}') return p + 1;
    if (t[p] != ',') return npos;
    ++p;
  }
}

bool key_is(std::string_view t, Span key, std::string_view name) {
  return key.len == name.size() + 2 && t.compare(key.pos + 1, name.size(), name) == 0;
}

}  // namespace

size_t skip_value(std::string_view t, size_t p, int depth) {
  if (depth > kMaxDepth) return npos;
  p = skip_ws(t, p);
  if (p >= t.size()) return npos;
  switch (t[p]) {
    case '"':
      return skip_string(t, p);
    case '{':
      return walk_object(t, p, depth, [](Span, Span) {});
    case '[': {
      ++p;
      p = skip_ws(t, p);
      if (p < t.size() && t[p] == ']') return p + 1;
      while (true) {
        p = skip_value(t, p, depth + 1);
        if (p == npos) return npos;
        p = skip_ws(t, p);
        if (p >= t.size()) return npos;
        if (t[p] == ']') return p + 1;
        if (t[p] != ',') return npos;
        ++p;
      }
    }
    case 't':
      return skip_literal(t, p, "true");
    case 'f':
      return skip_literal(t, p, "false");
    case 'n':
      return skip_literal(t, p, "null");
    default:
      return skip_number(t, p);
  }
}

Parsed parse_body(std::string_view t) {
  Parsed out;
  size_t p = skip_ws(t, 0);
  if (p >= t.size()) {
    out.error = "empty body";
    return out;
  }
  if (t[p] == '[') {
    out.batch = true;
    ++p;
    p = skip_ws(t, p);
    if (p < t.size() && t[p] == ']') {
      p = skip_ws(t, p + 1);
      out.ok = p == t.size();
      if (!out.ok) out.error = "trailing characters after JSON value";
      return out;
    }
    while (true) {
      p = skip_ws(t, p);
      size_t s = p;
      p = skip_value(t, p, 1);
      if (p == npos) {
        out.error = "malformed JSON";
        return out;
      }
      out.elements.push_back(Span{s, p - s});
      p = skip_ws(t, p);
      if (p >= t.size()) {
        out.error = "unterminated array";
        return out;
      }
      if (t[p] == ']') {
        ++p;
        break;
      }
      if (t[p] != ',') {
        out.error = "malformed JSON";
        return out;
      }
      ++p;
    }
  } else {
    size_t s = p;
    p = skip_value(t, p, 0);
    if (p == npos) {
      out.error = "malformed JSON";
      return out;
    }
    out.elements.push_back(Span{s, p - s});
  }
  p = skip_ws(t, p);
  if (p != t.size()) {
    out.error = "trailing characters after JSON value";
    out.elements.clear();
    return out;
  }
  out.ok = true;
  return out;
}

Envelope read_envelope(std::string_view t) {
  Envelope e;
  size_t p = skip_ws(t, 0);
  if (p >= t.size() || t[p] != '{') {
    e.invalid_reason = "message is not a JSON object";
    return e;
  }
  Span meta;
  // A key given twice is refused (found by core-tests): the gateway would read the last copy
  // while an upstream parser may read the first, so policy could approve one tool name and the
  // upstream run another.
  std::string_view duplicate;
  auto take = [&](Span& field, Span v, std::string_view key) {
    if (field.present() && duplicate.empty()) duplicate = key;
    field = v;
  };
  size_t end = walk_object(t, p, 0, [&](Span k, Span v) {
    if (key_is(t, k, "jsonrpc"))
      take(e.jsonrpc, v, "jsonrpc");
    else if (key_is(t, k, "id"))
      take(e.id, v, "id");
    else if (key_is(t, k, "method"))
      take(e.method, v, "method");
    else if (key_is(t, k, "params"))
      take(e.params, v, "params");
    else if (key_is(t, k, "result"))
      take(e.result, v, "result");
    else if (key_is(t, k, "error"))
      take(e.error, v, "error");
  });
  if (end == npos) {
    e.invalid_reason = "malformed JSON";
    return e;
  }
  if (!duplicate.empty()) {
    e.invalid_reason = "duplicate key \"" + std::string(duplicate) + "\"";
    return e;
  }
  if (e.jsonrpc.in(t) != "\"2.0\"") {
    e.invalid_reason = "jsonrpc must be \"2.0\"";
    return e;
  }
  if (e.params.present() && t[e.params.pos] == '{') {
    walk_object(t, e.params.pos, 1, [&](Span k, Span v) {
      if (key_is(t, k, "name"))
        take(e.name, v, "params.name");
      else if (key_is(t, k, "uri"))
        take(e.uri, v, "params.uri");
      else if (key_is(t, k, "_meta"))
        take(meta, v, "params._meta");
      else if (key_is(t, k, "progressToken"))
        take(e.progress_token, v, "params.progressToken");
      else if (key_is(t, k, "requestId"))
        take(e.request_id, v, "params.requestId");
      else if (key_is(t, k, "ref"))
        take(e.ref, v, "params.ref");
      else if (key_is(t, k, "arguments"))
        take(e.arguments, v, "params.arguments");
    });
    if (meta.present() && t[meta.pos] == '{') {
      Span meta_token;
      walk_object(t, meta.pos, 2, [&](Span k, Span v) {
        if (key_is(t, k, "progressToken")) take(meta_token, v, "params._meta.progressToken");
      });
      if (meta_token.present()) e.progress_token = meta_token;
    }
    if (!duplicate.empty()) {
      e.invalid_reason = "duplicate key \"" + std::string(duplicate) + "\"";
      return e;
    }
  } else if (e.params.present()) {
    char c = t[e.params.pos];
    if (c != '[') {
      e.invalid_reason = "params must be an object or an array";
      return e;
    }
  }
  if (e.method.present()) {
    if (t[e.method.pos] != '"') {
      e.invalid_reason = "method must be a string";
      return e;
    }
    if (e.result.present() || e.error.present()) {
      e.invalid_reason = "a request cannot carry result or error";
      return e;
    }
    if (e.id.present()) {
      char c = t[e.id.pos];
      if (c != '"' && c != '-' && !(c >= '0' && c <= '9')) {
        e.invalid_reason = "id must be a string or a number";
        return e;
      }
      e.kind = MessageKind::Request;
    } else {
      e.kind = MessageKind::Notification;
    }
    return e;
  }
  if (e.result.present() || e.error.present()) {
    if (e.result.present() && e.error.present()) {
      e.invalid_reason = "a response cannot carry both result and error";
      return e;
    }
    if (!e.id.present()) {
      e.invalid_reason = "a response needs an id";
      return e;
    }
    e.kind = MessageKind::Response;
    return e;
  }
  e.invalid_reason = "message has neither method nor result nor error";
  return e;
}

namespace {
int hex_val(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
void put_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}
}  // namespace

bool decode_string(std::string_view q, std::string& out) {
  out.clear();
  if (q.size() < 2 || q.front() != '"' || q.back() != '"') return false;
  q = q.substr(1, q.size() - 2);
  out.reserve(q.size());
  for (size_t i = 0; i < q.size(); ++i) {
    char c = q[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= q.size()) return false;
    switch (q[i]) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        // Hex digits are checked here too (found by core-tests): decode_string is public and
        // "\uZZZZ" used to decode to garbage instead of failing.
        if (i + 4 >= q.size()) return false;
        unsigned cp = 0;
        for (int k = 1; k <= 4; ++k) {
          if (!is_hex(q[i + k])) return false;
          cp = cp * 16 + hex_val(q[i + k]);
        }
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < q.size() && q[i + 1] == '\\' &&
            q[i + 2] == 'u' && is_hex(q[i + 3]) && is_hex(q[i + 4]) && is_hex(q[i + 5]) &&
            is_hex(q[i + 6])) {
          unsigned lo = 0;
          for (int k = 3; k <= 6; ++k) lo = lo * 16 + hex_val(q[i + k]);
          if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        // A lone surrogate has no UTF-8 encoding: U+FFFD instead of invalid bytes.
        if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;
        put_utf8(out, cp);
        break;
      }
      case '"':
      case '\\':
      case '/':
        out += q[i];
        break;
      default:
        return false;  // not a JSON escape
    }
  }
  return true;
}

void append_quoted(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the characters that need no escape, not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xF];
    }
  }
  out.append(s.substr(run));
  out += '"';
}

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_quoted(out, s);
  return out;
}

std::string splice(std::string_view text, std::vector<Splice> edits) {
  std::sort(edits.begin(), edits.end(),
            [](const Splice& a, const Splice& b) { return a.span.pos < b.span.pos; });
  std::string out;
  size_t extra = 0;
  for (auto& e : edits) extra += e.replacement.size();
  out.reserve(text.size() + extra);
  size_t at = 0;
  for (auto& e : edits) {
    out.append(text.substr(at, e.span.pos - at));
    out.append(e.replacement);
    at = e.span.pos + e.span.len;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace mcpgw::json
