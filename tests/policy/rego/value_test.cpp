#include "policy/rego/value.h"

#include <gtest/gtest.h>

#include "policy/rego/arithmetic.h"

namespace mcpgw::policy::rego {
namespace {

TEST(Value, CrossKindOrderFollowsOpa) {
  std::vector<Value> ordered = {Value::null(),       Value::boolean(false), Value::boolean(true),
                                Value::integer(-1),  Value::floating(0.5),  Value::string("a"),
                                Value::array({}),    Value::object({}),     Value::set({})};
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_LT(ordered[i], ordered[i + 1]) << i;
    EXPECT_GT(ordered[i + 1].compare(ordered[i]), 0) << i;
  }
}

TEST(Value, IntegersAndFloatsCompareNumerically) {
  EXPECT_EQ(Value::integer(1), Value::floating(1.0));
  EXPECT_EQ(Value::integer(1).hash(), Value::floating(1.0).hash());
  EXPECT_LT(Value::integer(1), Value::floating(1.5));
  EXPECT_FALSE(Value::floating(1.0).is_integer());
}

TEST(Value, BigIntegersStayExact) {
  auto a = *Value::number_from_text("28857836529306024611913");
  auto b = *Value::number_from_text("28857836529306024611912");
  EXPECT_NE(a, b);
  EXPECT_GT(a, b);
  EXPECT_EQ(a.to_json(), "28857836529306024611913");
  EXPECT_LT(*Value::number_from_text("-28857836529306024611913"), b);
}

TEST(Value, IntegerArithmeticWidensInsteadOfOverflowing) {
  Value max = Value::integer(INT64_MAX);
  EXPECT_EQ(number_add(max, Value::integer(1)).to_json(), "9223372036854775808");
  EXPECT_EQ(number_mul(Value::integer(3), Value::integer(4)).to_json(), "12");
  auto q = number_div(Value::integer(3), Value::integer(2));
  EXPECT_EQ(std::get<Value>(q).to_json(), "1.5");
  auto whole = number_div(Value::integer(4), Value::integer(2));
  EXPECT_TRUE(std::get<Value>(whole).is_int64());
  EXPECT_EQ(number_add(Value::floating(0.1), Value::floating(0.2)).to_json(),
            "0.30000000000000004");
}

TEST(Value, DivideByZeroIsABuiltinError) {
  auto r = number_div(Value::integer(1), Value::integer(0));
  ASSERT_TRUE(std::holds_alternative<BuiltinError>(r));
  EXPECT_EQ(std::get<BuiltinError>(r).message, "div: divide by zero");
  EXPECT_EQ(std::get<BuiltinError>(r).code, "eval_builtin_error");
}

TEST(Value, SetsSortAndDeduplicate) {
  Value s = Value::set({Value::integer(3), Value::string("x"), Value::integer(1),
                        Value::integer(3), Value::floating(1.0)});
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.to_json(), "[1,3,\"x\"]");
  EXPECT_TRUE(s.contains(Value::integer(3)));
  EXPECT_FALSE(s.contains(Value::integer(2)));
}

TEST(Value, ObjectsSortByKeyAndLastDuplicateWins) {
  Value o = Value::object({{Value::string("b"), Value::integer(1)},
                           {Value::string("a"), Value::integer(2)},
                           {Value::string("b"), Value::integer(3)}});
  EXPECT_EQ(o.to_json(), R"({"a":2,"b":3})");
  ASSERT_NE(o.find("b"), nullptr);
  EXPECT_EQ(*o.find("b"), Value::integer(3));
  EXPECT_EQ(o.find("c"), nullptr);
  EXPECT_EQ(o.find(Value::integer(1)), nullptr);
}

TEST(Value, JsonRoundTrip) {
  std::string text = R"({"a":[1,2.5,"s\n\u00e9",null,true],"b":{"c":-7}})";
  Value v = Value::from_json(text);
  EXPECT_EQ(v.to_json(), R"({"a":[1,2.5,"s\né",null,true],"b":{"c":-7}})");
  EXPECT_EQ(Value::from_json(v.to_json()), v);
}

TEST(Value, MalformedJsonNamesTheOffset) {
  try {
    Value::from_json("[1, 2,");
    FAIL() << "expected JsonError";
  } catch (const JsonError& e) {
    EXPECT_EQ(e.offset, 6u);
  }
  EXPECT_THROW(Value::from_json("{\"a\" 1}"), JsonError);
  EXPECT_THROW(Value::from_json("01"), JsonError);
  EXPECT_THROW(Value::from_json("[1] x"), JsonError);
}

}  // namespace
}  // namespace mcpgw::policy::rego
