// Number built-ins (abs, round, ceil, floor, numbers.range*, to_number) and aggregates (count,
// sum, product, max, min, sort).
#include <cmath>
#include <cstdlib>

#include "policy/rego/arithmetic.h"
#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

// Applies a rounding function; integers pass through unchanged.
Value round_with(const char* fn, Args args, double (*f)(double)) {
  const Value& n = num_arg(fn, args, 1);
  if (n.is_integer()) return n;
  return number_from_double_exact(f(n.as_double()));
}

Value abs_fn(Args args, BuiltinContext&) {
  const Value& n = num_arg("abs", args, 1);
  switch (n.number_rep()) {
    case NumberRep::Int:
      if (n.as_int64() == INT64_MIN) return Value::big_integer("9223372036854775808");
      return Value::integer(std::llabs(n.as_int64()));
    case NumberRep::BigInt: {
      std::string t = n.number_text();
      return Value::big_integer(t[0] == '-' ? t.substr(1) : t);
    }
    case NumberRep::Float:
      return Value::floating(std::fabs(n.as_double()));
  }
  return n;
}

// Caps the size of generated ranges so a typo cannot exhaust memory.
constexpr int64_t kMaxRange = 10'000'000;

Value range_values(const char* fn, int64_t from, int64_t to, int64_t step) {
  std::vector<Value> out;
  __int128 span = static_cast<__int128>(to) - from;
  if (span < 0) span = -span;
  if (span / step + 1 > kMaxRange) fail(fn, "range too large");
  if (from <= to) {
    for (__int128 i = from; i <= to; i += step)
      out.push_back(Value::integer(static_cast<int64_t>(i)));
  } else {
    for (__int128 i = from; i >= to; i -= step)
      out.push_back(Value::integer(static_cast<int64_t>(i)));
  }
  return Value::array(std::move(out));
}

Value range_fn(Args args, BuiltinContext&) {
  int64_t a = int_arg("numbers.range", args, 1);
  int64_t b = int_arg("numbers.range", args, 2);
  return range_values("numbers.range", a, b, 1);
}

Value range_step_fn(Args args, BuiltinContext&) {
  const char* fn = "numbers.range_step";
  int64_t a = int_arg(fn, args, 1);
  int64_t b = int_arg(fn, args, 2);
  const Value& step_v = num_arg(fn, args, 3);
  if (step_v.number_rep() == NumberRep::BigInt) {
    if (step_v.number_text()[0] == '-') fail(fn, "step must be a positive integer");
    return Value::array({Value::integer(a)});  // a step that large leaves only the start
  }
  int64_t step = int_arg(fn, args, 3);
  if (step <= 0) fail(fn, "step must be a positive integer");
  return range_values(fn, a, b, step);
}

bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

Value to_number(Args args, BuiltinContext&) {
  const Value& v = args[0];
  switch (v.kind()) {
    case Kind::Null:
      return Value::integer(0);
    case Kind::Boolean:
      return Value::integer(v.as_bool() ? 1 : 0);
    case Kind::Number:
      return v;
    case Kind::String: {
      const std::string& s = v.as_string();
      std::string_view body = s;
      if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
      if (ieq(body, "nan") || ieq(body, "inf") || ieq(body, "infinity")) {
        fail_type("to_number", 1, "valid number string", v);
      }
      if (auto n = Value::number_from_text(s)) return *n;
      // Go's ParseFloat also takes forms JSON does not ("+1", ".5", "1.").
      const char* begin = s.c_str();
      char* end = nullptr;
      double d = std::strtod(begin, &end);
      bool hexish = s.find_first_of("xXpP") != std::string::npos;
      if (!s.empty() && end == begin + s.size() && !hexish &&
          !std::isspace(static_cast<unsigned char>(s[0]))) {
        return number_from_double_exact(d);
      }
      fail("to_number", "strconv.ParseFloat: parsing \"" + s + "\": invalid syntax");
    }
    default:
      fail_type("to_number", 1, "one of {null, boolean, number, string}", v);
  }
}

// ---- aggregates ----

Value count_fn(Args args, BuiltinContext&) {
  const Value& v = args[0];
  if (v.is_string()) return Value::integer(static_cast<int64_t>(utf8_length(v.as_string())));
  if (v.is_collection()) return Value::integer(static_cast<int64_t>(v.size()));
  fail_type("count", 1, "one of {array, object, set, string}", v);
}

const Value& array_or_set(const char* fn, Args args, int pos) {
  const Value& v = args[pos - 1];
  if (!v.is_array() && !v.is_set()) fail_type(fn, pos, "one of {array, set}", v);
  return v;
}

void require_numbers(const char* fn, const Value& coll) {
  for (const auto& item : coll.items()) {
    if (!item.is_number()) {
      std::string k(coll.type_name());
      fail_raw("eval_type_error", std::string(fn) + ": operand 1 must be " + k +
                                      " of numbers but got " + k + " containing " +
                                      std::string(item.type_name()));
    }
  }
}

Value sum_fn(Args args, BuiltinContext&) {
  const Value& coll = array_or_set("sum", args, 1);
  require_numbers("sum", coll);
  Value total = Value::integer(0);
  for (const auto& item : coll.items()) total = number_add(total, item);
  return total;
}

Value product_fn(Args args, BuiltinContext&) {
  const Value& coll = array_or_set("product", args, 1);
  require_numbers("product", coll);
  Value total = Value::integer(1);
  for (const auto& item : coll.items()) total = number_mul(total, item);
  return total;
}

template <bool Max>
Value extreme(Args args, BuiltinContext&) {
  const char* fn = Max ? "max" : "min";
  const Value& coll = array_or_set(fn, args, 1);
  if (coll.size() == 0) undefined();
  const Value* best = &coll.items()[0];
  for (const auto& item : coll.items()) {
    int c = item.compare(*best);
    if (Max ? c > 0 : c < 0) best = &item;
  }
  return *best;
}

Value sort_fn(Args args, BuiltinContext&) {
  const Value& coll = array_or_set("sort", args, 1);
  std::vector<Value> items(coll.items().begin(), coll.items().end());
  if (coll.is_array()) std::stable_sort(items.begin(), items.end());
  return Value::array(std::move(items));
}

}  // namespace

void register_number_builtins(Registry& r) {
  def(r, "abs", {kNumber}, abs_fn, {kNumber});
  def(r, "round", {kNumber},
      [](Args a, BuiltinContext&) {
        return round_with("round", a, [](double d) { return std::round(d); });
      },
      {kNumber});
  def(r, "ceil", {kNumber},
      [](Args a, BuiltinContext&) {
        return round_with("ceil", a, [](double d) { return std::ceil(d); });
      },
      {kNumber});
  def(r, "floor", {kNumber},
      [](Args a, BuiltinContext&) {
        return round_with("floor", a, [](double d) { return std::floor(d); });
      },
      {kNumber});
  def(r, "numbers.range", {kNumber, kNumber}, range_fn, {kArray});
  def(r, "numbers.range_step", {kNumber, kNumber, kNumber}, range_step_fn, {kArray});
  def(r, "to_number", {kNull | kBoolean | kNumber | kString}, to_number, {kNumber});
}

void register_aggregate_builtins(Registry& r) {
  def(r, "count", {kCollection | kString}, count_fn, {kNumber});
  def(r, "sum", {kArray | kSet}, sum_fn, {kNumber});
  def(r, "product", {kArray | kSet}, product_fn, {kNumber});
  def(r, "max", {kArray | kSet}, extreme<true>);
  def(r, "min", {kArray | kSet}, extreme<false>);
  def(r, "sort", {kArray | kSet}, sort_fn, {kArray});
}

}  // namespace mcpgw::policy::rego
