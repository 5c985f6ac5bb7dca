// semver.is_valid and semver.compare (Semantic Versioning 2.0.0 precedence; build metadata
// is ignored).
#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

struct Version {
  std::string major, minor, patch;  // canonical digit strings (no leading zeros)
  std::vector<std::string> pre;
};

bool numeric(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_ident(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t next = s.find(sep, pos);
    out.emplace_back(
        s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return out;
}

std::optional<Version> parse(std::string_view s) {
  size_t plus = s.find('+');
  if (plus != std::string_view::npos) {
    for (const auto& id : split(s.substr(plus + 1), '.'))
      if (!valid_ident(id)) return std::nullopt;
    s = s.substr(0, plus);
  }
  Version v;
  size_t dash = s.find('-');
  if (dash != std::string_view::npos) {
    v.pre = split(s.substr(dash + 1), '.');
    for (const auto& id : v.pre) {
      if (!valid_ident(id)) return std::nullopt;
      if (numeric(id) && id.size() > 1 && id[0] == '0') return std::nullopt;
    }
    s = s.substr(0, dash);
  }
  auto core = split(s, '.');
  if (core.size() != 3) return std::nullopt;
  for (const auto& part : core) {
    if (!numeric(part) || (part.size() > 1 && part[0] == '0')) return std::nullopt;
  }
  v.major = core[0];
  v.minor = core[1];
  v.patch = core[2];
  return v;
}

int compare_numeric(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

int compare(const Version& a, const Version& b) {
  for (auto [x, y] : {std::pair{&a.major, &b.major}, {&a.minor, &b.minor}, {&a.patch, &b.patch}}) {
    if (int c = compare_numeric(*x, *y)) return c;
  }
  // A pre-release sorts before the release; identifiers compare numerically when both are
  // numeric, numeric ones before alphanumeric ones, and a shorter list first on a tie.
  if (a.pre.empty() != b.pre.empty()) return a.pre.empty() ? 1 : -1;
  for (size_t i = 0; i < a.pre.size() && i < b.pre.size(); ++i) {
    const auto& x = a.pre[i];
    const auto& y = b.pre[i];
    bool nx = numeric(x), ny = numeric(y);
    int c;
    if (nx && ny)
      c = compare_numeric(x, y);
    else if (nx != ny)
      c = nx ? -1 : 1;
    else
      c = x < y ? -1 : x > y ? 1 : 0;
    if (c) return c;
  }
  if (a.pre.size() != b.pre.size()) return a.pre.size() < b.pre.size() ? -1 : 1;
  return 0;
}

Version version_arg(Args a, int pos) {
  const std::string& s = str_arg("semver.compare", a, pos);
  auto v = parse(s);
  if (!v) {
    fail("semver.compare",
         "operand " + std::to_string(pos) + ": string \"" + s + "\" is not a valid SemVer");
  }
  return *v;
}

}  // namespace

void register_semver_builtins(Registry& r) {
  def(r, "semver.is_valid", {kAny},
      [](Args a, BuiltinContext&) {
        return Value::boolean(a[0].is_string() && parse(a[0].as_string()).has_value());
      },
      {kBoolean});
  def(r, "semver.compare", {kString, kString},
      [](Args a, BuiltinContext&) {
        return Value::integer(compare(version_arg(a, 1), version_arg(a, 2)));
      },
      {kNumber});
}

}  // namespace mcpgw::policy::rego
