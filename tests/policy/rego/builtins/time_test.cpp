#include "builtin_test_util.h"

namespace mcpgw::policy::rego::testing {
namespace {

TEST(TimeBuiltins, ParseWithGoLayouts) {
  auto parse = [](const char* layout, const char* value) {
    return okj("time.parse_ns", {Str(layout), Str(value)});
  };
  EXPECT_EQ(parse("2006-01-02T15:04:05Z07:00", "2017-06-02T19:00:00-07:00"), "1496455200000000000");
  EXPECT_EQ(parse("2006-01-02T15:04:05Z07:00", "1677-09-21T00:12:43.145224192-00:00"),
            "-9223372036854775808");
  EXPECT_EQ(parse("2006-01-02T15:04:05Z07:00", "2262-04-11T23:47:16.854775807-00:00"),
            "9223372036854775807");
  EXPECT_EQ(parse("01/02 03:04:05PM '06 -0700", "06/02 07:00:00PM '17 -0700"),
            "1496455200000000000");
  EXPECT_EQ(parse("02 Jan 06 15:04 -0700", "02 Jun 17 19:00 -0700"), "1496455200000000000");
  EXPECT_EQ(parse("RFC822Z", "02 Jun 17 19:00 -0700"), "1496455200000000000");
  EXPECT_EQ(parse("2006-01-02", "2020-02-29"), "1582934400000000000");
  EXPECT_EQ(parse("Jan _2 2006 3:04:05.000 pm", "Feb  3 2021 1:02:03.456 pm"),
            "1612357323456000000");
  auto e = err("time.parse_ns",
               {Str("2006-01-02T15:04:05Z07:00"), Str("2262-04-11T23:47:16.854775808-00:00")});
  EXPECT_EQ(e.message, "time.parse_ns: time outside of valid range");
  e = err("time.parse_ns", {Str("2006-01-02"), Str("2020-13-01")});
  EXPECT_EQ(e.code, "eval_builtin_error");
  EXPECT_NE(e.message.find(R"(cannot parse "13-01" as "01")"), std::string::npos) << e.message;
  EXPECT_NE(
      err("time.parse_ns", {Str("2006-01-02"), Str("2021-02-29")}).message.find("day out of range"),
      std::string::npos);
  EXPECT_EQ(err("time.parse_ns", {Str("2006"), Str("2020x")}).code, "eval_builtin_error");
}

TEST(TimeBuiltins, ParseRfc3339AndDurations) {
  EXPECT_EQ(okj("time.parse_rfc3339_ns", {Str("1970-01-01T00:00:00Z")}), "0");
  EXPECT_EQ(okj("time.parse_rfc3339_ns", {Str("2017-06-02T19:00:00.5+02:00")}),
            "1496422800500000000");
  EXPECT_EQ(err("time.parse_rfc3339_ns", {Str("1677-09-21T00:12:43.145224191-00:00")}).message,
            "time.parse_rfc3339_ns: time outside of valid range");
  EXPECT_EQ(okj("time.parse_duration_ns", {Str("100ms")}), "100000000");
  EXPECT_EQ(okj("time.parse_duration_ns", {Str("-1h2m3.5s")}), "-3723500000000");
  EXPECT_EQ(okj("time.parse_duration_ns", {Str("1µs")}), "1000");
  EXPECT_EQ(err("time.parse_duration_ns", {Str("1")}).message,
            R"(time.parse_duration_ns: time: missing unit in duration "1")");
  EXPECT_EQ(err("time.parse_duration_ns", {Str("1x")}).message,
            R"(time.parse_duration_ns: time: unknown unit "x" in duration "1x")");
  EXPECT_EQ(err("time.parse_duration_ns", {Str("")}).code, "eval_builtin_error");
}

TEST(TimeBuiltins, DateClockWeekdayWithZones) {
  EXPECT_EQ(okj("time.date", {I(1517814000000000000)}), "[2018,2,5]");
  EXPECT_EQ(okj("time.date", {J(R"([1517814000000000000, "America/Los_Angeles"])")}), "[2018,2,4]");
  EXPECT_EQ(okj("time.date", {J("[1582977600000000000, \"\"]")}), "[2020,2,29]");
  EXPECT_EQ(okj("time.clock", {J(R"([1517832000000000000, "America/New_York"])")}), "[7,0,0]");
  // Summer time in New York, beyond the zone file's explicit transitions (its POSIX rule).
  EXPECT_EQ(okj("time.clock", {J(R"([2224756800000000000, "America/New_York"])")}), "[8,0,0]");
  EXPECT_EQ(okj("time.weekday", {I(1517832000000000000)}), R"("Monday")");
  EXPECT_EQ(okj("time.weekday", {I(-1)}), R"("Wednesday")");
  EXPECT_EQ(err("time.date", {J("1582977600000000000000")}).message,
            "time.date: timestamp too big");
  EXPECT_EQ(err("time.date", {J(R"([0, "Nowhere/Atlantis"])")}).message,
            "time.date: unknown time zone Nowhere/Atlantis");
  EXPECT_EQ(err("time.date", {J(R"([0, "../../etc/passwd"])")}).code, "eval_builtin_error");
  EXPECT_EQ(err("time.date", {Str("x")}).code, "eval_type_error");
}

TEST(TimeBuiltins, FormatWithLayoutsAndZones) {
  int64_t t = 1670006453141828752;
  EXPECT_EQ(okj("time.format", {I(t)}), R"("2022-12-02T18:40:53.141828752Z")");
  EXPECT_EQ(okj("time.format", {Value::array({I(t), Str("Asia/Kolkata")})}),
            R"("2022-12-03T00:10:53.141828752+05:30")");
  EXPECT_EQ(okj("time.format",
                {Value::array({I(t), Str("Asia/Kolkata"), Str("Mon Jan 02 15:04:05 -0700 2006")})}),
            R"("Sat Dec 03 00:10:53 +0530 2022")");
  EXPECT_EQ(okj("time.format", {Value::array({I(t), Str("Asia/Kolkata"), Str("RFC1123Z")})}),
            R"("Sat, 03 Dec 2022 00:10:53 +0530")");
  EXPECT_EQ(okj("time.format", {Value::array({I(t), Str("America/New_York"), Str("RFC1123")})}),
            R"("Fri, 02 Dec 2022 13:40:53 EST")");
  EXPECT_EQ(
      okj("time.format", {Value::array({I(0), Str("UTC"), Str("3:04PM .000 __2 Monday January")})}),
      R"("12:00AM .000   1 Thursday January")");
  EXPECT_EQ(err("time.format", {J("1.5822e22")}).message, "time.format: timestamp too big");
}

TEST(TimeBuiltins, AddDateNormalisesLikeGo) {
  EXPECT_EQ(okj("time.add_date", {I(1585852421593912000), I(3), I(9), I(12)}),
            "1705257221593912000");
  EXPECT_EQ(okj("time.add_date", {I(1585852421593912000), I(-1), I(-1), I(-1)}),
            "1551465221593912000");
  // 2021-01-31 plus one month is 2021-03-03.
  EXPECT_EQ(okj("time.add_date", {I(1612051200000000000), I(0), I(1), I(0)}),
            "1614729600000000000");
  EXPECT_EQ(err("time.add_date", {I(0), I(2262), I(1), I(1)}).message,
            "time.add_date: time outside of valid range");
  EXPECT_EQ(err("time.add_date", {J("-9223372036854775808"), I(0), I(0), I(-1)}).message,
            "time.add_date: time outside of valid range");
}

TEST(TimeBuiltins, DiffIsCalendarAware) {
  auto at = [](const char* date) { return ok("time.parse_ns", {Str("2006-01-02"), Str(date)}); };
  EXPECT_EQ(okj("time.diff", {at("2020-02-02"), at("2020-03-01")}), "[0,0,28,0,0,0]");
  EXPECT_EQ(okj("time.diff", {at("2021-02-02"), at("2021-03-01")}), "[0,0,27,0,0,0]");
  EXPECT_EQ(okj("time.diff", {at("2004-02-29"), at("2005-03-01")}), "[1,0,1,0,0,0]");
  EXPECT_EQ(okj("time.diff", {I(61'000'000'000), I(0)}), "[0,0,0,0,1,1]");
  EXPECT_EQ(okj("time.diff", {J(R"([60000000000, "UTC"])"), J(R"([0, "Asia/Shanghai"])")}),
            "[0,0,0,0,1,0]");
}

TEST(TimeBuiltins, NowIsFixedPerQuery) {
  BuiltinContext ctx;
  ctx.now_ns = 42;
  auto r = call_with(ctx, "time.now_ns", {});
  EXPECT_EQ(std::get<Value>(r).to_json(), "42");
  EXPECT_TRUE(library().find("time.now_ns")->nondeterministic);
  BuiltinContext fresh;
  auto a = std::get<Value>(call_with(fresh, "time.now_ns", {}));
  auto b = std::get<Value>(call_with(fresh, "time.now_ns", {}));
  EXPECT_EQ(a, b);
  EXPECT_GT(a.as_int64(), 1'600'000'000'000'000'000);
}

}  // namespace
}  // namespace mcpgw::policy::rego::testing
