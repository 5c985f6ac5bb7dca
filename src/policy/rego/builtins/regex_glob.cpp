// Regex built-ins on RE2 (the syntax Go's regexp accepts, which OPA uses) and glob matching.
// Compiled patterns are cached per thread, since policies use a handful of constant patterns.
#include <re2/re2.h>

#include <list>
#include <mutex>
#include <unordered_map>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"
#include "policy/rego/builtins/glob_pattern.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

// A small per-thread cache keyed by pattern text; cleared wholesale when it grows too big.
template <typename T>
class PatternCache {
 public:
  std::shared_ptr<const T> get(const std::string& key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : it->second;
  }
  void put(const std::string& key, std::shared_ptr<const T> v) {
    if (map_.size() >= 512) map_.clear();
    map_.emplace(key, std::move(v));
  }

 private:
  std::unordered_map<std::string, std::shared_ptr<const T>> map_;
};

// nullptr with `error` when the pattern does not compile.
std::shared_ptr<const RE2> compile_regex(const std::string& pattern, std::string* error) {
  thread_local PatternCache<RE2> cache;
  if (auto re = cache.get(pattern)) return re;
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_encoding(RE2::Options::EncodingUTF8);
  auto re = std::make_shared<const RE2>(pattern, opts);
  if (!re->ok()) {
    if (error) *error = "error parsing regexp: " + re->error();
    return nullptr;
  }
  cache.put(pattern, re);
  return re;
}

std::shared_ptr<const RE2> regex_arg(const char* fn, const std::string& pattern) {
  std::string error;
  auto re = compile_regex(pattern, &error);
  if (!re) fail(fn, error);
  return re;
}

size_t rune_width(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 1;
  size_t w = 1;
  while (pos + w < s.size() && (static_cast<unsigned char>(s[pos + w]) & 0xC0) == 0x80 && w < 4)
    ++w;
  return w;
}

// Go's allMatches: every non-overlapping match, skipping an empty match that abuts the previous
// one. Each match is the full span plus one span per group ({npos,npos} when a group is unset).
using Span = std::pair<size_t, size_t>;
std::vector<std::vector<Span>> all_matches(const RE2& re, std::string_view text, int64_t limit) {
  std::vector<std::vector<Span>> out;
  int groups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> sub(groups);
  size_t pos = 0;
  long prev_end = -1;
  if (limit < 0) limit = static_cast<int64_t>(text.size()) + 1;
  while (static_cast<int64_t>(out.size()) < limit && pos <= text.size()) {
    if (!re.Match(re2::StringPiece(text.data(), text.size()), pos, text.size(), RE2::UNANCHORED,
                  sub.data(), groups)) {
      break;
    }
    size_t b = sub[0].data() - text.data();
    size_t e = b + sub[0].size();
    bool accept = true;
    if (e == pos) {
      if (static_cast<long>(b) == prev_end) accept = false;
      pos += rune_width(text, pos);
    } else {
      pos = e;
    }
    prev_end = static_cast<long>(e);
    if (accept) {
      std::vector<Span> m;
      for (int g = 0; g < groups; ++g) {
        if (sub[g].data() == nullptr) {
          m.emplace_back(std::string::npos, std::string::npos);
        } else {
          size_t gb = sub[g].data() - text.data();
          m.emplace_back(gb, gb + sub[g].size());
        }
      }
      out.push_back(std::move(m));
    }
  }
  return out;
}

// Go's Regexp.Expand for a "$1" / "${name}" replacement template.
void expand(std::string& out, std::string_view tmpl, const RE2& re, std::string_view src,
            const std::vector<Span>& match) {
  const auto& names = re.NamedCapturingGroups();
  while (!tmpl.empty()) {
    size_t dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) break;
    out.append(tmpl.substr(0, dollar));
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out += '$';
      tmpl.remove_prefix(1);
      continue;
    }
    bool brace = !tmpl.empty() && tmpl[0] == '{';
    size_t i = brace ? 1 : 0;
    size_t start = i;
    while (i < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[i])) || tmpl[i] == '_'))
      ++i;
    std::string_view name = tmpl.substr(start, i - start);
    bool ok = !name.empty() && (!brace || (i < tmpl.size() && tmpl[i] == '}'));
    if (!ok) {
      out += '$';
      continue;
    }
    tmpl.remove_prefix(brace ? i + 1 : i);
    int group = -1;
    if (std::all_of(name.begin(), name.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      group = name.size() < 9 ? std::stoi(std::string(name)) : -1;
    } else {
      auto it = names.find(std::string(name));
      if (it != names.end()) group = it->second;
    }
    if (group >= 0 && static_cast<size_t>(group) < match.size() &&
        match[group].first != std::string::npos) {
      out.append(src.substr(match[group].first, match[group].second - match[group].first));
    }
  }
  out.append(tmpl);
}

Value regex_replace(Args a, BuiltinContext&) {
  const std::string& s = str_arg("regex.replace", a, 1);
  const std::string& pattern = str_arg("regex.replace", a, 2);
  const std::string& repl = str_arg("regex.replace", a, 3);
  auto re = regex_arg("regex.replace", pattern);
  int groups = re->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> sub(groups);
  std::string out;
  size_t last_end = 0, search = 0;
  re2::StringPiece text(s.data(), s.size());
  while (search <= s.size()) {
    if (!re->Match(text, search, s.size(), RE2::UNANCHORED, sub.data(), groups)) break;
    size_t b = sub[0].data() - s.data();
    size_t e = b + sub[0].size();
    out.append(s, last_end, b - last_end);
    if (e > last_end || b == 0) {
      std::vector<Span> m;
      for (int g = 0; g < groups; ++g) {
        if (!sub[g].data())
          m.emplace_back(std::string::npos, std::string::npos);
        else {
          size_t gb = sub[g].data() - s.data();
          m.emplace_back(gb, gb + sub[g].size());
        }
      }
      expand(out, repl, *re, s, m);
    }
    last_end = e;
    size_t width = search < s.size() ? rune_width(s, search) : 0;
    if (search + width > e)
      search += width;
    else if (search + 1 > e)
      search += 1;
    else
      search = e;
  }
  out.append(s, std::min(last_end, s.size()), std::string::npos);
  return str(std::move(out));
}

Value regex_split(Args a, BuiltinContext&) {
  const std::string& pattern = str_arg("regex.split", a, 1);
  const std::string& s = str_arg("regex.split", a, 2);
  auto re = regex_arg("regex.split", pattern);
  std::vector<Value> parts;
  if (!pattern.empty() && s.empty()) return Value::array({str("")});
  size_t beg = 0, end = 0;
  for (const auto& m : all_matches(*re, s, -1)) {
    end = m[0].first;
    if (m[0].second != 0) parts.push_back(str(s.substr(beg, end - beg)));
    beg = m[0].second;
  }
  if (end != s.size()) parts.push_back(str(s.substr(beg)));
  return Value::array(std::move(parts));
}

Value find_n(Args a, BuiltinContext&) {
  auto re = regex_arg("regex.find_n", str_arg("regex.find_n", a, 1));
  const std::string& s = str_arg("regex.find_n", a, 2);
  int64_t n = int_arg("regex.find_n", a, 3);
  std::vector<Value> out;
  for (const auto& m : all_matches(*re, s, n))
    out.push_back(str(s.substr(m[0].first, m[0].second - m[0].first)));
  return Value::array(std::move(out));
}

Value find_all_submatch(Args a, BuiltinContext&) {
  const char* fn = "regex.find_all_string_submatch_n";
  auto re = regex_arg(fn, str_arg(fn, a, 1));
  const std::string& s = str_arg(fn, a, 2);
  int64_t n = int_arg(fn, a, 3);
  std::vector<Value> out;
  for (const auto& m : all_matches(*re, s, n)) {
    std::vector<Value> groups;
    for (const auto& [b, e] : m)
      groups.push_back(str(b == std::string::npos ? "" : s.substr(b, e - b)));
    out.push_back(Value::array(std::move(groups)));
  }
  return Value::array(std::move(out));
}

// regex.template_match: literal text with regular expressions between the delimiters.
Value template_match(Args a, BuiltinContext&) {
  const char* fn = "regex.template_match";
  const std::string& tmpl = str_arg(fn, a, 1);
  const std::string& s = str_arg(fn, a, 2);
  const std::string& open = str_arg(fn, a, 3);
  const std::string& close = str_arg(fn, a, 4);
  if (open.empty() || close.empty()) fail(fn, "delimiters must not be empty");
  std::string pattern = "^";
  size_t pos = 0;
  while (pos < tmpl.size()) {
    size_t o = tmpl.find(open, pos);
    if (o == std::string::npos) {
      pattern += RE2::QuoteMeta(tmpl.substr(pos));
      break;
    }
    pattern += RE2::QuoteMeta(tmpl.substr(pos, o - pos));
    // Balance nested delimiters inside the expression.
    size_t i = o + open.size();
    int depth = 1;
    size_t expr_start = i;
    while (i < tmpl.size() && depth > 0) {
      if (tmpl.compare(i, open.size(), open) == 0) {
        ++depth;
        i += open.size();
      } else if (tmpl.compare(i, close.size(), close) == 0) {
        --depth;
        if (depth == 0) break;
        i += close.size();
      } else {
        ++i;
      }
    }
    if (depth != 0) fail(fn, "unbalanced braces in template \"" + tmpl + "\"");
    pattern += "(" + tmpl.substr(expr_start, i - expr_start) + ")";
    pos = i + close.size();
  }
  pattern += "$";
  auto re = regex_arg(fn, pattern);
  return Value::boolean(RE2::PartialMatch(s, *re));
}

std::vector<char32_t> glob_separators(const Value& delims) {
  if (delims.is_null()) return {};
  if (!delims.is_array()) fail_type("glob.match", 2, "one of {array, null}", delims);
  if (delims.size() == 0) return {'.'};
  std::vector<char32_t> seps;
  for (const auto& d : delims.items()) {
    if (!d.is_string()) {
      fail_raw("eval_type_error",
               "glob.match: operand 2 must be array of strings but got array containing " +
                   std::string(d.type_name()));
    }
    for (char32_t c : utf8_decode(d.as_string())) seps.push_back(c);
  }
  return seps;
}

Value glob_match(Args a, BuiltinContext&) {
  const std::string& pattern = str_arg("glob.match", a, 1);
  auto seps = glob_separators(a[1]);
  const std::string& s = str_arg("glob.match", a, 3);
  thread_local PatternCache<GlobPattern> cache;
  std::string key = pattern;
  key += '\0';
  key += utf8_encode(seps);
  auto g = cache.get(key);
  if (!g) {
    std::string error;
    g = GlobPattern::compile(pattern, seps, error);
    if (!g) fail("glob.match", error);
    cache.put(key, g);
  }
  bool exhausted = false;
  bool ok = g->matches(s, &exhausted);
  if (exhausted) fail("glob.match", "pattern too complex for the input");
  return Value::boolean(ok);
}

}  // namespace

void register_regex_builtins(Registry& r) {
  const auto S = kString;
  def(r, "regex.match", {S, S},
      [](Args a, BuiltinContext&) {
        auto re = regex_arg("regex.match", str_arg("regex.match", a, 1));
        return Value::boolean(RE2::PartialMatch(str_arg("regex.match", a, 2), *re));
      },
      {kBoolean});
  def(r, "regex.is_valid", {kAny},
      [](Args a, BuiltinContext&) {
        if (!a[0].is_string()) return Value::boolean(false);
        return Value::boolean(compile_regex(a[0].as_string(), nullptr) != nullptr);
      },
      {kBoolean});
  def(r, "regex.find_n", {S, S, kNumber}, find_n, {kArray});
  def(r, "regex.find_all_string_submatch_n", {S, S, kNumber}, find_all_submatch, {kArray});
  def(r, "regex.replace", {S, S, S}, regex_replace, {kString});
  def(r, "regex.split", {S, S}, regex_split, {kArray});
  def(r, "regex.template_match", {S, S, S, S}, template_match, {kBoolean});
  def(r, "regex.globs_match", {S, S},
      [](Args a, BuiltinContext&) {
        std::string error;
        auto ok = globs_intersect(str_arg("regex.globs_match", a, 1),
                                  str_arg("regex.globs_match", a, 2), error);
        if (!ok) fail("regex.globs_match", error);
        return Value::boolean(*ok);
      },
      {kBoolean});
  def(r, "glob.match", {S, kArray | kNull, S}, glob_match, {kBoolean});
  def(r, "glob.quote_meta", {S},
      [](Args a, BuiltinContext&) {
        return str(glob_quote_meta(str_arg("glob.quote_meta", a, 1)));
      },
      {kString});
}

}  // namespace mcpgw::policy::rego
