// time.* built-ins: now_ns, parse_ns, parse_rfc3339_ns, parse_duration_ns, date, clock,
// weekday, format, add_date, diff. Instants are int64 nanoseconds since the Unix epoch.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"
#include "policy/rego/builtins/go_time.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

int64_t ns_of(const char* fn, const Value& n) {
  if (n.number_rep() == NumberRep::Int) return n.as_int64();
  double d = n.as_double();
  if (n.number_rep() == NumberRep::BigInt || !std::isfinite(d) || d >= 9.223372036854775807e18 ||
      d < -9.223372036854775808e18) {
    fail(fn, "timestamp too big");
  }
  return static_cast<int64_t>(std::trunc(d));
}

struct Instant {
  int64_t ns;
  std::shared_ptr<const TimeZone> zone;
  std::string layout;  // time.format only
};

std::shared_ptr<const TimeZone> zone_named(const char* fn, const std::string& name) {
  auto z = TimeZone::load(name);
  if (!z) fail(fn, "unknown time zone " + name);
  return z;
}

// A number, or [ns, zone] (and [ns, zone, layout] where the built-in takes a layout).
Instant instant_arg(const char* fn, Args a, int pos, bool with_layout = false) {
  const Value& v = a[pos - 1];
  if (v.is_number()) return {ns_of(fn, v), TimeZone::utc(), ""};
  if (!v.is_array()) fail_type(fn, pos, "one of {number, array}", v);
  auto items = v.items();
  size_t max = with_layout ? 3 : 2;
  if (items.size() < 2 || items.size() > max || !items[0].is_number() || !items[1].is_string() ||
      (items.size() == 3 && !items[2].is_string())) {
    fail_type(fn, pos,
              with_layout ? "array of [number, string] or [number, string, string]"
                          : "array of [number, string]",
              v);
  }
  Instant out{ns_of(fn, items[0]), zone_named(fn, items[1].as_string()), ""};
  if (items.size() == 3) out.layout = items[2].as_string();
  return out;
}

Civil local_civil(const Instant& t) {
  int64_t secs, nanos;
  split_unix_ns(t.ns, secs, nanos);
  return civil_from_unix(secs + t.zone->offset_at(secs).seconds, nanos);
}

Value parse_ns(Args a, BuiltinContext&) {
  const std::string& layout = str_arg("time.parse_ns", a, 1);
  const std::string& value = str_arg("time.parse_ns", a, 2);
  std::string error;
  auto ns = go_parse_time(resolve_layout(layout), value, error);
  if (!ns) fail("time.parse_ns", error);
  return Value::integer(*ns);
}

Value parse_rfc3339(Args a, BuiltinContext&) {
  const std::string& value = str_arg("time.parse_rfc3339_ns", a, 1);
  std::string error;
  auto ns = go_parse_time("2006-01-02T15:04:05Z07:00", value, error);
  if (!ns) fail("time.parse_rfc3339_ns", error);
  return Value::integer(*ns);
}

Value parse_duration(Args a, BuiltinContext&) {
  std::string error;
  auto ns = go_parse_duration(str_arg("time.parse_duration_ns", a, 1), error);
  if (!ns) fail("time.parse_duration_ns", error);
  return Value::integer(*ns);
}

Value add_date(Args a, BuiltinContext&) {
  const char* fn = "time.add_date";
  int64_t ns = ns_of(fn, num_arg(fn, a, 1));
  int64_t years = int_arg(fn, a, 2);
  int64_t months = int_arg(fn, a, 3);
  int64_t days = int_arg(fn, a, 4);
  int64_t secs, nanos;
  split_unix_ns(ns, secs, nanos);
  Civil c = civil_from_unix(secs, nanos);
  if (std::llabs(years) > 1'000'000 || std::llabs(months) > 12'000'000 ||
      std::llabs(days) > 400'000'000) {
    fail(fn, "time outside of valid range");
  }
  int64_t day_number = days_from_civil(c.year + years, c.month + months, c.day + days);
  __int128 out =
      (static_cast<__int128>(day_number) * 86400 + c.hour * 3600 + c.minute * 60 + c.second) *
          1'000'000'000 +
      nanos;
  if (out > INT64_MAX || out < INT64_MIN) fail(fn, "time outside of valid range");
  return Value::integer(static_cast<int64_t>(out));
}

// OPA's time.diff: calendar difference [years, months, days, hours, minutes, seconds] between
// two instants, both seen in the first one's zone.
Value diff(Args a, BuiltinContext&) {
  Instant x = instant_arg("time.diff", a, 1);
  Instant y = instant_arg("time.diff", a, 2);
  y.zone = x.zone;
  if (x.ns > y.ns) std::swap(x, y);
  Civil c1 = local_civil(x);
  Civil c2 = local_civil(y);
  int64_t year = c2.year - c1.year;
  int64_t month = c2.month - c1.month;
  int64_t day = c2.day - c1.day;
  int64_t hour = c2.hour - c1.hour;
  int64_t min = c2.minute - c1.minute;
  int64_t sec = c2.second - c1.second;
  if (sec < 0) {
    sec += 60;
    --min;
  }
  if (min < 0) {
    min += 60;
    --hour;
  }
  if (hour < 0) {
    hour += 24;
    --day;
  }
  if (day < 0) {
    // Days in c1's month: day 32 of that month rolls over into the next one.
    Civil roll = civil_from_unix(days_from_civil(c1.year, c1.month, 32) * 86400, 0);
    day += 32 - roll.day;
    --month;
  }
  if (month < 0) {
    month += 12;
    --year;
  }
  return Value::array({Value::integer(year), Value::integer(month), Value::integer(day),
                       Value::integer(hour), Value::integer(min), Value::integer(sec)});
}

}  // namespace

void register_time_builtins(Registry& r) {
  def(r, "time.now_ns", {},
      [](Args, BuiltinContext& ctx) {
        if (ctx.now_ns == 0) {
          ctx.now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
        }
        return Value::integer(ctx.now_ns);
      },
      {kNumber, false, /*nondeterministic=*/true});
  def(r, "time.parse_ns", {kString, kString}, parse_ns, {kNumber});
  def(r, "time.parse_rfc3339_ns", {kString}, parse_rfc3339, {kNumber});
  def(r, "time.parse_duration_ns", {kString}, parse_duration, {kNumber});
  def(r, "time.date", {kNumber | kArray},
      [](Args a, BuiltinContext&) {
        Civil c = local_civil(instant_arg("time.date", a, 1));
        return Value::array(
            {Value::integer(c.year), Value::integer(c.month), Value::integer(c.day)});
      },
      {kArray});
  def(r, "time.clock", {kNumber | kArray},
      [](Args a, BuiltinContext&) {
        Civil c = local_civil(instant_arg("time.clock", a, 1));
        return Value::array(
            {Value::integer(c.hour), Value::integer(c.minute), Value::integer(c.second)});
      },
      {kArray});
  def(r, "time.weekday", {kNumber | kArray},
      [](Args a, BuiltinContext&) {
        Civil c = local_civil(instant_arg("time.weekday", a, 1));
        return str(std::string(weekday_name(c.weekday)));
      },
      {kString});
  def(r, "time.format", {kNumber | kArray},
      [](Args a, BuiltinContext&) {
        Instant t = instant_arg("time.format", a, 1, /*with_layout=*/true);
        std::string_view layout =
            t.layout.empty() ? "2006-01-02T15:04:05.999999999Z07:00" : resolve_layout(t.layout);
        return str(go_format_time(layout, t.ns, *t.zone));
      },
      {kString});
  def(r, "time.add_date", {kNumber, kNumber, kNumber, kNumber}, add_date, {kNumber});
  def(r, "time.diff", {kNumber | kArray, kNumber | kArray}, diff, {kArray});
  // OPA's test helper: pauses evaluation (capped at one second here so a policy cannot stall
  // the gateway).
  def(r, "test.sleep", {kString},
      [](Args a, BuiltinContext&) {
        std::string error;
        auto ns = go_parse_duration(str_arg("test.sleep", a, 1), error);
        if (!ns) fail("test.sleep", error);
        std::this_thread::sleep_for(
            std::chrono::nanoseconds(std::clamp<int64_t>(*ns, 0, 1'000'000'000)));
        return Value::null();
      },
      {kNull, false, /*nondeterministic=*/true});
}

}  // namespace mcpgw::policy::rego
