#include "policy/rego/builtins/glob_pattern.h"

#include <algorithm>
#include <set>
#include <utility>

#include "policy/rego/builtins/builtin_support.h"

namespace mcpgw::policy::rego::builtins {

// ---------------------------------------------------------------- glob.match

namespace {

struct GlobNode;
using Sequence = std::vector<GlobNode>;

struct GlobNode {
  enum Type { Literal, Any, Super, Single, Class, Alternatives } type = Literal;
  char32_t ch = 0;                                    // Literal
  bool negated = false;                               // Class
  std::vector<std::pair<char32_t, char32_t>> ranges;  // Class
  std::vector<Sequence> alternatives;                 // Alternatives
};

class GlobParser {
 public:
  explicit GlobParser(std::vector<char32_t> text) : s_(std::move(text)) {}

  bool parse(Sequence& out, std::string& error) {
    if (!sequence(out, /*in_alternatives=*/false, error)) return false;
    if (i_ != s_.size()) {
      error = "unexpected '" + std::string(1, static_cast<char>(s_[i_])) + "'";
      return false;
    }
    return true;
  }

 private:
  bool sequence(Sequence& out, bool in_alternatives, std::string& error) {
    while (i_ < s_.size()) {
      char32_t c = s_[i_];
      if (in_alternatives && (c == ',' || c == '}')) return true;
      GlobNode n;
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) {
          error = "unexpected end of input after escape";
          return false;
        }
        n.ch = s_[i_ + 1];
        i_ += 2;
      } else if (c == '*') {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
          n.type = GlobNode::Super;
          i_ += 2;
          while (i_ < s_.size() && s_[i_] == '*') ++i_;
        } else {
          n.type = GlobNode::Any;
          ++i_;
        }
      } else if (c == '?') {
        n.type = GlobNode::Single;
        ++i_;
      } else if (c == '[') {
        if (!char_class(n, error)) return false;
      } else if (c == '{') {
        ++i_;
        n.type = GlobNode::Alternatives;
        while (true) {
          Sequence alt;
          if (!sequence(alt, true, error)) return false;
          n.alternatives.push_back(std::move(alt));
          if (i_ >= s_.size()) {
            error = "unexpected end of input: unclosed '{'";
            return false;
          }
          if (s_[i_++] == '}') break;
        }
      } else if (c == ']' || c == '}') {
        error = std::string("unexpected '") + static_cast<char>(c) + "'";
        return false;
      } else {
        n.ch = c;
        ++i_;
      }
      out.push_back(std::move(n));
    }
    return true;
  }

  bool char_class(GlobNode& n, std::string& error) {
    n.type = GlobNode::Class;
    ++i_;  // '['
    if (i_ < s_.size() && s_[i_] == '!') {
      n.negated = true;
      ++i_;
    }
    bool closed = false;
    while (i_ < s_.size()) {
      char32_t c = s_[i_];
      if (c == ']') {
        ++i_;
        closed = true;
        break;
      }
      if (c == '\\' && i_ + 1 < s_.size()) c = s_[++i_];
      char32_t hi = c;
      if (i_ + 2 < s_.size() && s_[i_ + 1] == '-' && s_[i_ + 2] != ']') {
        hi = s_[i_ + 2];
        i_ += 2;
        if (hi < c) {
          error = "invalid range in character class";
          return false;
        }
      }
      n.ranges.emplace_back(c, hi);
      ++i_;
    }
    if (!closed) {
      error = "unexpected end of input: unclosed '['";
      return false;
    }
    if (n.ranges.empty()) {
      error = "empty character class";
      return false;
    }
    return true;
  }

  std::vector<char32_t> s_;
  size_t i_ = 0;
};

// What remains to match after the current sequence ends: a linked list up the alternatives.
struct Continuation {
  const Sequence* seq;
  size_t index;
  const Continuation* next;
};

class GlobMatcher {
 public:
  GlobMatcher(const std::vector<char32_t>& text, const std::vector<char32_t>& separators)
      : t_(text), seps_(separators) {}

  bool run(const Sequence& root) { return match(root, 0, 0, nullptr); }
  bool exhausted() const { return budget_ <= 0; }

 private:
  bool is_sep(char32_t c) const { return std::find(seps_.begin(), seps_.end(), c) != seps_.end(); }

  bool match(const Sequence& seq, size_t i, size_t pos, const Continuation* k) {
    if (--budget_ <= 0) return false;
    if (i == seq.size()) {
      if (!k) return pos == t_.size();
      return match(*k->seq, k->index, pos, k->next);
    }
    const GlobNode& n = seq[i];
    switch (n.type) {
      case GlobNode::Literal:
        return pos < t_.size() && t_[pos] == n.ch && match(seq, i + 1, pos + 1, k);
      case GlobNode::Single:
        return pos < t_.size() && !is_sep(t_[pos]) && match(seq, i + 1, pos + 1, k);
      case GlobNode::Class: {
        if (pos >= t_.size()) return false;
        char32_t c = t_[pos];
        bool in = std::any_of(n.ranges.begin(), n.ranges.end(),
                              [c](const auto& r) { return c >= r.first && c <= r.second; });
        return in != n.negated && match(seq, i + 1, pos + 1, k);
      }
      case GlobNode::Any:
      case GlobNode::Super:
        for (size_t end = pos;; ++end) {
          if (match(seq, i + 1, end, k)) return true;
          if (budget_ <= 0 || end >= t_.size()) return false;
          if (n.type == GlobNode::Any && is_sep(t_[end])) return false;
        }
      case GlobNode::Alternatives: {
        Continuation after{&seq, i + 1, k};
        for (const auto& alt : n.alternatives)
          if (match(alt, 0, pos, &after)) return true;
        return false;
      }
    }
    return false;
  }

  const std::vector<char32_t>& t_;
  const std::vector<char32_t>& seps_;
  long budget_ = 2'000'000;
};

}  // namespace

struct GlobPattern::Impl {
  Sequence root;
  std::vector<char32_t> separators;
};

GlobPattern::GlobPattern(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GlobPattern::~GlobPattern() = default;

std::shared_ptr<const GlobPattern> GlobPattern::compile(std::string_view pattern,
                                                        std::vector<char32_t> separators,
                                                        std::string& error) {
  auto impl = std::make_unique<Impl>();
  GlobParser parser(utf8_decode(pattern));
  if (!parser.parse(impl->root, error)) return nullptr;
  impl->separators = std::move(separators);
  return std::make_shared<const GlobPattern>(std::move(impl));
}

bool GlobPattern::matches(std::string_view text, bool* exhausted) const {
  auto cps = utf8_decode(text);
  GlobMatcher m(cps, impl_->separators);
  bool ok = m.run(impl_->root);
  if (exhausted) *exhausted = m.exhausted();
  return ok;
}

std::string glob_quote_meta(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '\\' || c == '[' || c == ']' || c == '{' || c == '}')
      out += '\\';
    out += c;
  }
  return out;
}

// ---------------------------------------------------------------- regex.globs_match

namespace {

using Ranges = std::vector<std::pair<char32_t, char32_t>>;
constexpr char32_t kMaxRune = 0x10FFFF;

Ranges normalize(Ranges r) {
  std::sort(r.begin(), r.end());
  Ranges out;
  for (const auto& x : r) {
    if (!out.empty() && x.first <= out.back().second + 1) {
      out.back().second = std::max(out.back().second, x.second);
    } else {
      out.push_back(x);
    }
  }
  return out;
}

Ranges complement(const Ranges& r) {
  Ranges out;
  char32_t next = 0;
  for (const auto& x : r) {
    if (x.first > next) out.emplace_back(next, x.first - 1);
    next = x.second + 1;
  }
  if (next <= kMaxRune) out.emplace_back(next, kMaxRune);
  return out;
}

struct GlobToken {
  Ranges set;  // normalised, positive
  enum Quant { One, Star } quant = One;
};

bool overlaps(const Ranges& a, const Ranges& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].second < b[j].first)
      ++i;
    else if (b[j].second < a[i].first)
      ++j;
    else
      return true;
  }
  return false;
}

bool tokenize_glob_regex(std::string_view input, std::vector<GlobToken>& out, std::string& error) {
  auto s = utf8_decode(input);
  auto invalid = [&](size_t pos, const std::string& what) {
    error = "input:" + std::string(input) + ", pos:" + std::to_string(pos) + ", " + what +
            ": the input provided is invalid";
    return false;
  };
  size_t i = 0;
  while (i < s.size()) {
    char32_t c = s[i];
    GlobToken t;
    if (c == '*' || c == '+') {
      if (out.empty() || out.back().quant == GlobToken::Star)
        return invalid(i + 1, std::string("quantifier '") + static_cast<char>(c) +
                                  "' with no preceding element");
      if (c == '*') {
        out.back().quant = GlobToken::Star;
      } else {
        GlobToken copy = out.back();
        copy.quant = GlobToken::Star;
        out.push_back(copy);
      }
      ++i;
      continue;
    }
    if (c == ']') return invalid(i + 1, "set-close ']' with no preceding '['");
    if (c == '.') {
      t.set = {{0, kMaxRune}};
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= s.size()) return invalid(i + 1, "escape '\\' at end of input");
      t.set = {{s[i + 1], s[i + 1]}};
      i += 2;
    } else if (c == '[') {
      size_t start = i++;
      bool negated = false;
      if (i < s.size() && s[i] == '^') {
        negated = true;
        ++i;
      }
      Ranges r;
      bool closed = false;
      while (i < s.size()) {
        char32_t x = s[i];
        if (x == ']') {
          closed = true;
          ++i;
          break;
        }
        if (x == '\\' && i + 1 < s.size()) x = s[++i];
        char32_t hi = x;
        if (i + 2 < s.size() && s[i + 1] == '-' && s[i + 2] != ']') {
          hi = s[i + 2];
          if (hi == '\\' && i + 3 < s.size()) {
            hi = s[i + 3];
            ++i;
          }
          i += 2;
          if (hi < x) return invalid(i + 1, "range end before range start");
        }
        r.emplace_back(x, hi);
        ++i;
      }
      if (!closed) return invalid(start + 1, "set-open '[' with no closing ']'");
      r = normalize(std::move(r));
      t.set = negated ? complement(r) : r;
    } else {
      t.set = {{c, c}};
      ++i;
    }
    out.push_back(std::move(t));
  }
  return true;
}

}  // namespace

std::optional<bool> globs_intersect(std::string_view a, std::string_view b, std::string& error) {
  std::vector<GlobToken> ta, tb;
  if (!tokenize_glob_regex(a, ta, error) || !tokenize_glob_regex(b, tb, error)) return std::nullopt;
  // Breadth-first search over pairs of positions; a starred token may be skipped or repeated.
  std::set<std::pair<size_t, size_t>> seen;
  std::vector<std::pair<size_t, size_t>> work{{0, 0}};
  while (!work.empty()) {
    auto [i, j] = work.back();
    work.pop_back();
    if (!seen.insert({i, j}).second) continue;
    if (i == ta.size() && j == tb.size()) return true;
    if (i < ta.size() && ta[i].quant == GlobToken::Star) work.emplace_back(i + 1, j);
    if (j < tb.size() && tb[j].quant == GlobToken::Star) work.emplace_back(i, j + 1);
    if (i < ta.size() && j < tb.size() && overlaps(ta[i].set, tb[j].set)) {
      size_t ni = ta[i].quant == GlobToken::Star ? i : i + 1;
      size_t nj = tb[j].quant == GlobToken::Star ? j : j + 1;
      work.emplace_back(ni, nj);
      if (ta[i].quant == GlobToken::Star) work.emplace_back(i + 1, nj);
      if (tb[j].quant == GlobToken::Star) work.emplace_back(ni, j + 1);
    }
  }
  return false;
}

}  // namespace mcpgw::policy::rego::builtins
