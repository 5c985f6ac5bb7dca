// Bitwise built-ins on integers: bits.and, or, xor, negate, lsh, rsh.
#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

std::string int128_text(__int128 v) {
  bool neg = v < 0;
  unsigned __int128 m =
      neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string digits;
  do {
    digits += static_cast<char>('0' + static_cast<int>(m % 10));
    m /= 10;
  } while (m != 0);
  if (neg) digits += '-';
  return std::string(digits.rbegin(), digits.rend());
}

Value from_int128(__int128 v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return Value::integer(static_cast<int64_t>(v));
  return Value::big_integer(int128_text(v));
}

template <typename Op>
void def_binary(Registry& r, const char* name, Op op) {
  def(r, name, {kNumber, kNumber},
      [name, op](Args a, BuiltinContext&) {
        return Value::integer(op(int_arg(name, a, 1), int_arg(name, a, 2)));
      },
      {kNumber});
}

int64_t shift_amount(const char* fn, Args a) {
  int64_t n = int_arg(fn, a, 2);
  if (n < 0) {
    fail_raw("eval_type_error", std::string(fn) +
                                    ": operand 2 must be an unsigned integer number but got a "
                                    "negative integer");
  }
  return n;
}

}  // namespace

void register_bits_builtins(Registry& r) {
  def_binary(r, "bits.and", [](int64_t x, int64_t y) { return x & y; });
  def_binary(r, "bits.or", [](int64_t x, int64_t y) { return x | y; });
  def_binary(r, "bits.xor", [](int64_t x, int64_t y) { return x ^ y; });
  def(r, "bits.negate", {kNumber},
      [](Args a, BuiltinContext&) { return Value::integer(~int_arg("bits.negate", a, 1)); },
      {kNumber});
  def(r, "bits.lsh", {kNumber, kNumber},
      [](Args a, BuiltinContext&) {
        int64_t x = int_arg("bits.lsh", a, 1);
        int64_t n = shift_amount("bits.lsh", a);
        if (x == 0) return Value::integer(0);
        if (n >= 126) fail("bits.lsh", "result too large");
        __int128 v = static_cast<__int128>(x);
        // Shifting past 127 bits cannot be represented here; everything below fits exactly.
        __int128 limit = static_cast<__int128>(1) << (126 - n);
        if (v >= limit || v <= -limit) fail("bits.lsh", "result too large");
        return from_int128(v * (static_cast<__int128>(1) << n));
      },
      {kNumber});
  def(r, "bits.rsh", {kNumber, kNumber},
      [](Args a, BuiltinContext&) {
        int64_t x = int_arg("bits.rsh", a, 1);
        int64_t n = shift_amount("bits.rsh", a);
        if (n >= 63) return Value::integer(x < 0 ? -1 : 0);
        return Value::integer(x >> n);
      },
      {kNumber});
}

}  // namespace mcpgw::policy::rego
