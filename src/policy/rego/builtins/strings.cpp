// String built-ins: concat, contains, sprintf, format_int, trim*, split, replace, indexof, ...
// Positions and lengths count Unicode code points, as OPA does.
#include <algorithm>
#include <cmath>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"
#include "policy/rego/builtins/go_format.h"
#include "policy/rego/builtins/go_template.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

bool is_go_space(char32_t c) {
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

// Simple case mapping for the scripts policies meet: ASCII, Latin-1, Latin Extended-A, Greek and
// Cyrillic.
char32_t to_lower_cp(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0x80) return c;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
  if (c >= 0x100 && c <= 0x137 && c % 2 == 0) return c + 1;
  if (c >= 0x139 && c <= 0x148 && c % 2 == 1) return c + 1;
  if (c >= 0x14A && c <= 0x177 && c % 2 == 0) return c + 1;
  if (c == 0x178) return 0xFF;
  if ((c >= 0x391 && c <= 0x3A9 && c != 0x3A2)) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

char32_t to_upper_cp(char32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if (c < 0x80) return c;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c >= 0x101 && c <= 0x138 && c % 2 == 1 && c != 0x131) return c - 1;
  if (c >= 0x13A && c <= 0x149 && c % 2 == 0) return c - 1;
  if (c >= 0x14B && c <= 0x178 && c % 2 == 1) return c - 1;
  if ((c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)) return c - 32;
  if (c == 0x3C2) return 0x3A3;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

std::string map_case(const std::string& s, char32_t (*f)(char32_t)) {
  bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
  if (ascii) {
    std::string out = s;
    for (auto& c : out) c = static_cast<char>(f(static_cast<unsigned char>(c)));
    return out;
  }
  auto cps = utf8_decode(s);
  for (auto& c : cps) c = f(c);
  return utf8_encode(cps);
}

// Code-point index of a byte offset.
int64_t cp_index(std::string_view s, size_t byte_offset) {
  return static_cast<int64_t>(utf8_length(s.substr(0, byte_offset)));
}

std::vector<std::string> string_items(std::string_view fn, const Value& v, int pos,
                                      std::string_view coll_desc) {
  std::vector<std::string> out;
  for (const auto& item : v.items()) {
    if (!item.is_string()) {
      fail_raw("eval_type_error", std::string(fn) + ": operand " + std::to_string(pos) +
                                      " must be " + std::string(coll_desc) +
                                      " of strings but got " + std::string(coll_desc) +
                                      " containing " + std::string(item.type_name()));
    }
    out.push_back(item.as_string());
  }
  return out;
}

// strings.any_prefix_match / any_suffix_match operands: a string, or a set or array of them.
std::vector<std::string> string_or_strings(std::string_view fn, Args args, int pos) {
  const Value& v = args[pos - 1];
  if (v.is_string()) return {v.as_string()};
  if (v.is_array()) return string_items(fn, v, pos, "array");
  if (v.is_set()) return string_items(fn, v, pos, "set");
  fail_type(fn, pos, "one of {string, set, array}", v);
}

std::string trim_left_set(const std::string& s, const std::vector<char32_t>& cut) {
  auto cps = utf8_decode(s);
  size_t i = 0;
  while (i < cps.size() && std::find(cut.begin(), cut.end(), cps[i]) != cut.end()) ++i;
  return utf8_encode(std::span<const char32_t>(cps).subspan(i));
}

std::string trim_right_set(const std::string& s, const std::vector<char32_t>& cut) {
  auto cps = utf8_decode(s);
  size_t n = cps.size();
  while (n > 0 && std::find(cut.begin(), cut.end(), cps[n - 1]) != cut.end()) --n;
  return utf8_encode(std::span<const char32_t>(cps).first(n));
}

// Go's strings.Replace with n = -1; an empty `from` inserts `to` around every code point.
std::string replace_all(const std::string& s, const std::string& from, const std::string& to) {
  std::string out;
  if (from.empty()) {
    auto cps = utf8_decode(s);
    out += to;
    for (char32_t c : cps) {
      utf8_append(out, c);
      out += to;
    }
    return out;
  }
  size_t pos = 0;
  while (true) {
    size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
  out.append(s, pos, std::string::npos);
  return out;
}

Value concat(Args args, BuiltinContext&) {
  const std::string& delim = str_arg("concat", args, 1);
  const Value& coll = args[1];
  if (!coll.is_array() && !coll.is_set()) fail_type("concat", 2, "one of {array, set}", coll);
  std::string out;
  bool first = true;
  for (const auto& item : coll.items()) {
    if (!item.is_string()) {
      fail_type("concat", 2, coll.is_array() ? "array of strings" : "set of strings", coll);
    }
    if (!first) out += delim;
    first = false;
    out += item.as_string();
  }
  return str(std::move(out));
}

Value split(Args args, BuiltinContext&) {
  const std::string& s = str_arg("split", args, 1);
  const std::string& delim = str_arg("split", args, 2);
  std::vector<Value> parts;
  if (delim.empty()) {
    for (char32_t c : utf8_decode(s)) {
      std::string one;
      utf8_append(one, c);
      parts.push_back(str(std::move(one)));
    }
    return Value::array(std::move(parts));
  }
  size_t pos = 0;
  while (true) {
    size_t hit = s.find(delim, pos);
    if (hit == std::string::npos) break;
    parts.push_back(str(s.substr(pos, hit - pos)));
    pos = hit + delim.size();
  }
  parts.push_back(str(s.substr(pos)));
  return Value::array(std::move(parts));
}

Value substring(Args args, BuiltinContext&) {
  const std::string& s = str_arg("substring", args, 1);
  int64_t offset = int_arg("substring", args, 2);
  int64_t length = int_arg("substring", args, 3);
  if (offset < 0) fail("substring", "negative offset");
  auto cps = utf8_decode(s);
  if (offset >= static_cast<int64_t>(cps.size())) return str("");
  size_t start = static_cast<size_t>(offset);
  size_t end = cps.size();
  if (length >= 0 && static_cast<size_t>(length) < cps.size() - start) end = start + length;
  return str(utf8_encode(std::span<const char32_t>(cps).subspan(start, end - start)));
}

Value indexof(Args args, BuiltinContext&) {
  const std::string& s = str_arg("indexof", args, 1);
  const std::string& needle = str_arg("indexof", args, 2);
  size_t hit = s.find(needle);
  if (hit == std::string::npos) return Value::integer(-1);
  return Value::integer(cp_index(s, hit));
}

Value indexof_n(Args args, BuiltinContext&) {
  const std::string& s = str_arg("indexof_n", args, 1);
  const std::string& needle = str_arg("indexof_n", args, 2);
  std::vector<Value> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t hit = s.find(needle, pos);
    if (hit == std::string::npos) break;
    out.push_back(Value::integer(cp_index(s, hit)));
    // Continue after the first code point of this hit, so overlapping hits are found too.
    size_t step = 1;
    while (hit + step < s.size() && (static_cast<unsigned char>(s[hit + step]) & 0xC0) == 0x80)
      ++step;
    pos = hit + step;
  }
  return Value::array(std::move(out));
}

Value sprintf_fn(Args args, BuiltinContext&) {
  const std::string& format = str_arg("sprintf", args, 1);
  const Value& values = args[1];
  if (!values.is_array()) fail_type("sprintf", 2, "array", values);
  std::vector<Value> list(values.items().begin(), values.items().end());
  return str(go_sprintf(format, list));
}

Value format_int(Args args, BuiltinContext&) {
  const Value& n = num_arg("format_int", args, 1);
  const Value& base_v = num_arg("format_int", args, 2);
  auto base = base_v.to_int64();
  if (!base || (*base != 2 && *base != 8 && *base != 10 && *base != 16)) {
    fail_raw("eval_type_error", "format_int: operand 2 must be one of {2, 8, 10, 16}");
  }
  std::string spec = "%";
  spec += *base == 2 ? 'b' : *base == 8 ? 'o' : *base == 16 ? 'x' : 'd';
  Value whole;
  if (n.number_rep() == NumberRep::Float) {
    whole = number_from_double_exact(std::trunc(n.as_double()));
  } else {
    whole = n;
  }
  if (whole.number_rep() == NumberRep::Float) fail("format_int", "number out of range");
  return str(go_sprintf(spec, {whole}));
}

Value replace_n(Args args, BuiltinContext&) {
  const Value& patterns = kind_arg("strings.replace_n", args, 1, Kind::Object);
  const std::string& s = str_arg("strings.replace_n", args, 2);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [k, v] : patterns.entries()) {
    if (!k.is_string()) {
      fail_raw("eval_type_error",
               "strings.replace_n: operand 1 non-string key found in pattern object");
    }
    if (!v.is_string()) {
      fail_raw("eval_type_error",
               "strings.replace_n: operand 1 non-string value found in pattern object");
    }
    pairs.emplace_back(k.as_string(), v.as_string());
  }
  // Like Go's strings.NewReplacer with the keys in sorted order: at each position the first
  // pattern (in that order) that matches wins, and matches never overlap.
  std::string out;
  size_t i = 0;
  while (i <= s.size()) {
    bool matched = false;
    for (const auto& [from, to] : pairs) {
      if (from.empty()) continue;
      if (s.compare(i, from.size(), from) == 0) {
        out += to;
        i += from.size();
        matched = true;
        break;
      }
    }
    if (!matched) {
      if (i == s.size()) break;
      out += s[i++];
    }
  }
  return str(std::move(out));
}

Value reverse(Args args, BuiltinContext&) {
  const Value& v = args[0];
  if (!v.is_string()) fail_type("strings.reverse", 1, "string", v);
  auto cps = utf8_decode(v.as_string());
  std::reverse(cps.begin(), cps.end());
  return str(utf8_encode(cps));
}

Value count_substrings(Args args, BuiltinContext&) {
  const std::string& s = str_arg("strings.count", args, 1);
  const std::string& sub = str_arg("strings.count", args, 2);
  if (sub.empty()) return Value::integer(static_cast<int64_t>(utf8_length(s)) + 1);
  int64_t n = 0;
  size_t pos = 0;
  while ((pos = s.find(sub, pos)) != std::string::npos) {
    ++n;
    pos += sub.size();
  }
  return Value::integer(n);
}

template <bool Prefix>
Value any_match(Args args, BuiltinContext&) {
  const char* fn = Prefix ? "strings.any_prefix_match" : "strings.any_suffix_match";
  auto search = string_or_strings(fn, args, 1);
  auto bases = string_or_strings(fn, args, 2);
  for (const auto& s : search) {
    for (const auto& b : bases) {
      if (b.size() > s.size()) continue;
      if (Prefix ? s.compare(0, b.size(), b) == 0
                 : s.compare(s.size() - b.size(), b.size(), b) == 0)
        return Value::boolean(true);
    }
  }
  return Value::boolean(false);
}

using StrFn = std::string (*)(const std::string&);

}  // namespace

void register_string_builtins(Registry& r) {
  const auto S = kString;
  def(r, "concat", {S, kArray | kSet}, concat, {kString});
  def(r, "contains", {S, S},
      [](Args a, BuiltinContext&) {
        return Value::boolean(str_arg("contains", a, 1).find(str_arg("contains", a, 2)) !=
                              std::string::npos);
      },
      {kBoolean});
  def(r, "startswith", {S, S},
      [](Args a, BuiltinContext&) {
        const auto& s = str_arg("startswith", a, 1);
        const auto& p = str_arg("startswith", a, 2);
        return Value::boolean(s.compare(0, p.size(), p) == 0 && s.size() >= p.size());
      },
      {kBoolean});
  def(r, "endswith", {S, S},
      [](Args a, BuiltinContext&) {
        const auto& s = str_arg("endswith", a, 1);
        const auto& p = str_arg("endswith", a, 2);
        return Value::boolean(s.size() >= p.size() &&
                              s.compare(s.size() - p.size(), p.size(), p) == 0);
      },
      {kBoolean});
  def(r, "lower", {S},
      [](Args a, BuiltinContext&) { return str(map_case(str_arg("lower", a, 1), to_lower_cp)); },
      {kString});
  def(r, "upper", {S},
      [](Args a, BuiltinContext&) { return str(map_case(str_arg("upper", a, 1), to_upper_cp)); },
      {kString});
  def(r, "split", {S, S}, split, {kArray});
  def(r, "replace", {S, S, S},
      [](Args a, BuiltinContext&) {
        return str(replace_all(str_arg("replace", a, 1), str_arg("replace", a, 2),
                               str_arg("replace", a, 3)));
      },
      {kString});
  def(r, "strings.replace_n", {kObject, S}, replace_n, {kString});
  def(r, "trim", {S, S},
      [](Args a, BuiltinContext&) {
        auto cut = utf8_decode(str_arg("trim", a, 2));
        return str(trim_right_set(trim_left_set(str_arg("trim", a, 1), cut), cut));
      },
      {kString});
  def(r, "trim_left", {S, S},
      [](Args a, BuiltinContext&) {
        return str(
            trim_left_set(str_arg("trim_left", a, 1), utf8_decode(str_arg("trim_left", a, 2))));
      },
      {kString});
  def(r, "trim_right", {S, S},
      [](Args a, BuiltinContext&) {
        return str(
            trim_right_set(str_arg("trim_right", a, 1), utf8_decode(str_arg("trim_right", a, 2))));
      },
      {kString});
  def(r, "trim_prefix", {S, S},
      [](Args a, BuiltinContext&) {
        const auto& s = str_arg("trim_prefix", a, 1);
        const auto& p = str_arg("trim_prefix", a, 2);
        if (s.size() >= p.size() && s.compare(0, p.size(), p) == 0) return str(s.substr(p.size()));
        return str(s);
      },
      {kString});
  def(r, "trim_suffix", {S, S},
      [](Args a, BuiltinContext&) {
        const auto& s = str_arg("trim_suffix", a, 1);
        const auto& p = str_arg("trim_suffix", a, 2);
        if (s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0)
          return str(s.substr(0, s.size() - p.size()));
        return str(s);
      },
      {kString});
  def(r, "trim_space", {S},
      [](Args a, BuiltinContext&) {
        auto cps = utf8_decode(str_arg("trim_space", a, 1));
        size_t b = 0, e = cps.size();
        while (b < e && is_go_space(cps[b])) ++b;
        while (e > b && is_go_space(cps[e - 1])) --e;
        return str(utf8_encode(std::span<const char32_t>(cps).subspan(b, e - b)));
      },
      {kString});
  def(r, "substring", {S, kNumber, kNumber}, substring, {kString});
  def(r, "indexof", {S, S}, indexof, {kNumber});
  def(r, "indexof_n", {S, S}, indexof_n, {kArray});
  def(r, "sprintf", {S, kArray}, sprintf_fn, {kString});
  def(r, "format_int", {kNumber, kNumber}, format_int, {kString});
  def(r, "strings.reverse", {S}, reverse, {kString});
  def(r, "strings.count", {S, S}, count_substrings, {kNumber});
  def(r, "strings.any_prefix_match", {S | kArray | kSet, S | kArray | kSet}, any_match<true>,
      {kBoolean});
  def(r, "strings.any_suffix_match", {S | kArray | kSet, S | kArray | kSet}, any_match<false>,
      {kBoolean});
  def(r, "strings.render_template", {S, kObject},
      [](Args a, BuiltinContext&) {
        const auto& tmpl = str_arg("strings.render_template", a, 1);
        const Value& vars = kind_arg("strings.render_template", a, 2, Kind::Object);
        std::string error;
        auto out = render_go_template(tmpl, vars, error);
        if (!out) fail("strings.render_template", error);
        return str(std::move(*out));
      },
      {kString});
}

}  // namespace mcpgw::policy::rego
