// Glob patterns as OPA's glob.match has them (the gobwas/glob syntax): `*` any run of
// non-separator characters, `**` any run at all, `?` one non-separator character, `[abc]`,
// `[a-z]`, `[!a-z]`, `{alt1,alt2}` alternatives, `\` escapes.
// Also the "glob-like regex" intersection test behind regex.globs_match.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpgw::policy::rego::builtins {

class GlobPattern {
 public:
  // nullopt with `error` set when the pattern is malformed.
  static std::shared_ptr<const GlobPattern> compile(std::string_view pattern,
                                                    std::vector<char32_t> separators,
                                                    std::string& error);
  // False also when matching would take unreasonably long (the step budget is exhausted);
  // `exhausted` tells the caller.
  bool matches(std::string_view text, bool* exhausted = nullptr) const;

  struct Impl;
  explicit GlobPattern(std::unique_ptr<Impl> impl);
  ~GlobPattern();

 private:
  std::unique_ptr<Impl> impl_;
};

// `\` before each of * ? \ [ ] { }.
std::string glob_quote_meta(std::string_view s);

// regex.globs_match: true when some string matches both patterns. Patterns use `.`, `[...]`
// classes, `*` and `+` after an element, and `\` escapes. nullopt and `error` on bad input.
std::optional<bool> globs_intersect(std::string_view a, std::string_view b, std::string& error);

}  // namespace mcpgw::policy::rego::builtins
