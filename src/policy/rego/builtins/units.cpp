// units.parse ("10Ki", "500m", "1e3M") and units.parse_bytes ("10KB", "1.5GiB"), computed
// exactly in decimal so that "0.0000005M" is exactly 0.5 as in OPA (which uses big.Rat).
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

using i128 = __int128;

std::string i128_text(i128 v) {
  bool neg = v < 0;
  unsigned __int128 m =
      neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string d;
  do {
    d += static_cast<char>('0' + static_cast<int>(m % 10));
    m /= 10;
  } while (m);
  if (neg) d += '-';
  return std::string(d.rbegin(), d.rend());
}

// A decimal number as mantissa x 10^exponent.
struct Decimal {
  i128 mantissa = 0;
  int exponent = 0;
  bool overflow = false;  // too many digits for exact work: fall back to doubles
  double approx = 0;
};

// Splits "1.5e3Ki" into the amount ("1.5e3") and the unit ("Ki"). The amount is the leading
// run of digits and dots (with an optional sign), plus an exponent when digits follow the 'e'.
void split_amount(const std::string& s, std::string& num, std::string& unit) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
    if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      i = j;
    }
  }
  num = s.substr(0, i);
  unit = s.substr(i);
  bool has_digit = num.find_first_of("0123456789") != std::string::npos;
  if (!has_digit) {
    num.clear();
    unit = s;
  }
}

std::optional<Decimal> parse_decimal(const std::string& num) {
  Decimal d;
  size_t i = 0;
  bool neg = false;
  if (i < num.size() && (num[i] == '-' || num[i] == '+')) neg = num[i++] == '-';
  bool dot = false, digits = false;
  for (; i < num.size() && num[i] != 'e' && num[i] != 'E'; ++i) {
    char c = num[i];
    if (c == '.') {
      if (dot) return std::nullopt;
      dot = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    digits = true;
    if (d.mantissa > (static_cast<i128>(1) << 100)) {
      if (!dot) ++d.exponent;  // drop digits beyond exact range; rounding is irrelevant here
      continue;
    }
    d.mantissa = d.mantissa * 10 + (c - '0');
    if (dot) --d.exponent;
  }
  if (!digits) return std::nullopt;
  if (i < num.size()) {
    long e = std::strtol(num.c_str() + i + 1, nullptr, 10);
    if (e > 4000 || e < -4000) return std::nullopt;
    d.exponent += static_cast<int>(e);
  }
  if (neg) d.mantissa = -d.mantissa;
  d.approx = std::strtod(num.c_str(), nullptr);
  return d;
}

// mantissa x 10^exponent x factor as a Rego number; `integer_only` truncates (parse_bytes).
Value to_number(Decimal d, i128 factor, int extra_exponent, bool integer_only) {
  d.exponent += extra_exponent;
  i128 m = d.mantissa;
  bool ok = !__builtin_mul_overflow(m, factor, &m);
  int e = d.exponent;
  while (ok && e > 0) {
    if (__builtin_mul_overflow(m, static_cast<i128>(10), &m)) ok = false;
    --e;
  }
  if (!ok) {
    double v = d.approx * static_cast<double>(factor) * std::pow(10.0, extra_exponent);
    return number_from_double_exact(integer_only ? std::trunc(v) : v);
  }
  while (e < 0 && m % 10 == 0) {
    m /= 10;
    ++e;
  }
  if (e == 0) {
    if (m >= INT64_MIN && m <= INT64_MAX) return Value::integer(static_cast<int64_t>(m));
    return Value::big_integer(i128_text(m));
  }
  if (integer_only) {
    i128 div = 1;
    for (int k = 0; k < -e && k < 38; ++k) div *= 10;
    i128 q = -e >= 38 ? 0 : m / div;
    if (q >= INT64_MIN && q <= INT64_MAX) return Value::integer(static_cast<int64_t>(q));
    return Value::big_integer(i128_text(q));
  }
  // Correctly rounded: let strtod read the exact decimal.
  std::string text = i128_text(m) + "e" + std::to_string(e);
  return Value::floating(std::strtod(text.c_str(), nullptr));
}

std::string strip_quotes(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '"') out += c;
  return out;
}

constexpr i128 kKilo = 1000;
constexpr i128 kKibi = 1024;

i128 power(i128 base, int n) {
  i128 v = 1;
  while (n-- > 0) v *= base;
  return v;
}

// The multiplier of a unit suffix; the exponent -3 marks milli. nullopt for unknown units.
std::optional<std::pair<i128, int>> unit_factor(const std::string& unit, bool bytes) {
  if (unit.empty()) return std::make_pair(static_cast<i128>(1), 0);
  std::string u = unit;
  if (bytes) {
    for (auto& c : u) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  } else {
    // units.parse keeps the case of the first letter ('m' milli vs 'M' mega).
    for (size_t i = 1; i < u.size(); ++i)
      u[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(u[i])));
    if (u == "m") return std::make_pair(static_cast<i128>(1), -3);
  }
  static const char* prefixes = "kmgtpe";
  char p = static_cast<char>(std::tolower(static_cast<unsigned char>(u[0])));
  const char* at = std::strchr(prefixes, p);
  if (!at || p == 0) return std::nullopt;
  int n = static_cast<int>(at - prefixes) + 1;
  std::string rest = u.substr(1);
  if (!bytes && u[0] == 'm' && rest.empty()) return std::nullopt;  // handled above
  if (rest.empty() || (bytes && rest == "b")) return std::make_pair(power(kKilo, n), 0);
  if (rest == "i" || (bytes && rest == "ib")) return std::make_pair(power(kKibi, n), 0);
  return std::nullopt;
}

Value parse_units(const char* fn, const std::string& raw, bool bytes) {
  std::string s = strip_quotes(raw);
  if (s.find(' ') != std::string::npos || s.find('\t') != std::string::npos) {
    fail(fn, "spaces not allowed in resource strings");
  }
  std::string num, unit;
  split_amount(s, num, unit);
  if (num.empty()) fail(fn, bytes ? "no byte amount provided" : "no amount provided");
  auto factor = unit_factor(unit, bytes);
  if (!factor) fail(fn, (bytes ? "byte unit " : "unit ") + unit + " not recognized");
  auto d = parse_decimal(num);
  if (!d)
    fail(fn,
         bytes ? "could not parse byte amount to a number" : "could not parse amount to a number");
  return to_number(*d, factor->first, factor->second, bytes);
}

}  // namespace

void register_units_builtins(Registry& r) {
  def(r, "units.parse", {kString},
      [](Args a, BuiltinContext&) {
        return parse_units("units.parse", str_arg("units.parse", a, 1), false);
      },
      {kNumber});
  def(r, "units.parse_bytes", {kString},
      [](Args a, BuiltinContext&) {
        return parse_units("units.parse_bytes", str_arg("units.parse_bytes", a, 1), true);
      },
      {kNumber});
}

}  // namespace mcpgw::policy::rego
