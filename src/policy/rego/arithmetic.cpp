#include "policy/rego/arithmetic.h"

#include <cmath>
#include <optional>

namespace mcpgw::policy::rego {
namespace {

using i128 = __int128;

// Integers up to 38 digits fit in a signed 128-bit value.
std::optional<i128> to_i128(const Value& v) {
  if (v.number_rep() == NumberRep::Int) return v.as_int64();
  if (v.number_rep() != NumberRep::BigInt) return std::nullopt;
  std::string t = v.number_text();
  bool neg = !t.empty() && t[0] == '-';
  std::string_view body(t);
  if (neg) body.remove_prefix(1);
  if (body.size() > 38) return std::nullopt;
  i128 r = 0;
  for (char c : body) r = r * 10 + (c - '0');
  return neg ? -r : r;
}

Value from_i128(i128 v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return Value::integer(static_cast<int64_t>(v));
  bool neg = v < 0;
  unsigned __int128 u = neg ? static_cast<unsigned __int128>(-(v + 1)) + 1 : v;
  std::string digits;
  while (u > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (neg) digits.insert(digits.begin(), '-');
  return Value::big_integer(digits);
}

template <typename IntOp, typename FloatOp>
Value combine(const Value& a, const Value& b, IntOp int_op, FloatOp float_op) {
  if (a.is_integer() && b.is_integer()) {
    auto x = to_i128(a), y = to_i128(b);
    if (x && y) {
      i128 r;
      if (int_op(*x, *y, &r)) return from_i128(r);
    }
  }
  return Value::number_from_double(float_op(a.as_double(), b.as_double()));
}

}  // namespace

Value number_add(const Value& a, const Value& b) {
  return combine(
      a, b, [](i128 x, i128 y, i128* r) { return !__builtin_add_overflow(x, y, r); },
      [](double x, double y) { return x + y; });
}

Value number_sub(const Value& a, const Value& b) {
  return combine(
      a, b, [](i128 x, i128 y, i128* r) { return !__builtin_sub_overflow(x, y, r); },
      [](double x, double y) { return x - y; });
}

Value number_mul(const Value& a, const Value& b) {
  return combine(
      a, b, [](i128 x, i128 y, i128* r) { return !__builtin_mul_overflow(x, y, r); },
      [](double x, double y) { return x * y; });
}

BuiltinResult number_div(const Value& a, const Value& b, std::string_view fn) {
  if (b.as_double() == 0 && b.compare(Value::integer(0)) == 0) {
    return builtin_error(fn, "divide by zero");
  }
  if (a.is_integer() && b.is_integer()) {
    auto x = to_i128(a), y = to_i128(b);
    if (x && y && *y != 0 && *x % *y == 0) return from_i128(*x / *y);
  }
  return Value::number_from_double(a.as_double() / b.as_double());
}

BuiltinResult number_rem(const Value& a, const Value& b, std::string_view fn) {
  auto x = a.is_integer() ? to_i128(a) : std::nullopt;
  auto y = b.is_integer() ? to_i128(b) : std::nullopt;
  if (!a.is_integer() || !b.is_integer()) {
    // OPA accepts floats that hold integral values.
    if (a.to_int64() && b.to_int64()) {
      x = *a.to_int64();
      y = *b.to_int64();
    } else {
      return builtin_error(fn, "modulo on floating-point number");
    }
  }
  if (!x || !y) return builtin_error(fn, "modulo on floating-point number");
  if (*y == 0) return builtin_error(fn, "modulo by zero");
  return from_i128(*x % *y);
}

}  // namespace mcpgw::policy::rego
