#include "builtin_test_util.h"

namespace mcpgw::policy::rego::testing {
namespace {

TEST(NumberBuiltins, RoundingReturnsIntegers) {
  EXPECT_EQ(okj("round", {J("2.5")}), "3");
  EXPECT_EQ(okj("round", {J("-2.5")}), "-3");
  EXPECT_EQ(okj("ceil", {J("-1.99999")}), "-1");
  EXPECT_EQ(okj("floor", {J("-1.001")}), "-2");
  EXPECT_EQ(okj("floor", {I(7)}), "7");
  EXPECT_EQ(okj("abs", {J("-10")}), "10");
  EXPECT_EQ(okj("abs", {J("-2.5")}), "2.5");
  EXPECT_EQ(okj("abs", {J("-123456789123456789123")}), "123456789123456789123");
  EXPECT_EQ(err("abs", {Str("x")}).message, "abs: operand 1 must be number but got string");
}

TEST(NumberBuiltins, Ranges) {
  EXPECT_EQ(okj("numbers.range", {I(-2), I(3)}), "[-2,-1,0,1,2,3]");
  EXPECT_EQ(okj("numbers.range", {I(2), I(-1)}), "[2,1,0,-1]");
  EXPECT_EQ(okj("numbers.range", {I(49649733057), I(49649733058)}), "[49649733057,49649733058]");
  auto e = err("numbers.range", {J("3.14"), I(4)});
  EXPECT_EQ(e.code, "eval_type_error");
  EXPECT_EQ(e.message,
            "numbers.range: operand 1 must be integer number but got floating-point number");
  EXPECT_EQ(okj("numbers.range_step", {I(0), I(-10), I(2)}), "[0,-2,-4,-6,-8,-10]");
  EXPECT_EQ(okj("numbers.range_step", {I(2), I(5), I(2)}), "[2,4]");
  EXPECT_EQ(okj("numbers.range_step", {I(0), I(10), J("99999999999999999999")}), "[0]");
  e = err("numbers.range_step", {I(0), I(10), I(-2)});
  EXPECT_EQ(e.code, "eval_builtin_error");
  EXPECT_EQ(e.message, "numbers.range_step: step must be a positive integer");
  EXPECT_EQ(err("numbers.range", {I(0), I(INT64_MAX)}).message, "numbers.range: range too large");
}

TEST(NumberBuiltins, ToNumber) {
  EXPECT_EQ(okj("to_number", {Str("-42.0")}), "-42");
  EXPECT_EQ(okj("to_number", {J("false")}), "0");
  EXPECT_EQ(okj("to_number", {J("true")}), "1");
  EXPECT_EQ(okj("to_number", {J("null")}), "0");
  EXPECT_EQ(okj("to_number", {J("100.1")}), "100.1");
  EXPECT_EQ(okj("to_number", {Str("+5")}), "5");
  EXPECT_EQ(okj("to_number", {Str("123456789123456789123")}), "123456789123456789123");
  auto e = err("to_number", {Str("broken")});
  EXPECT_EQ(e.code, "eval_builtin_error");
  EXPECT_NE(e.message.find("invalid syntax"), std::string::npos);
  for (const char* s : {"nan", "-Inf", "Infinity", "iNf"}) {
    EXPECT_EQ(err("to_number", {Str(s)}).code, "eval_type_error") << s;
  }
  EXPECT_EQ(err("to_number", {J("[1]")}).code, "eval_type_error");
}

TEST(AggregateBuiltins, CountSumProduct) {
  EXPECT_EQ(okj("count", {J("[1,2,3]")}), "3");
  EXPECT_EQ(okj("count", {J(R"({"a":1})")}), "1");
  EXPECT_EQ(okj("count", {Str("åäö")}), "3");
  EXPECT_EQ(okj("count", {S({I(1), I(2)})}), "2");
  auto e = err("count", {J("null")});
  EXPECT_EQ(e.message, "count: operand 1 must be one of {array, object, set, string} but got null");
  EXPECT_EQ(okj("sum", {J("[1,2,3,4]")}), "10");
  EXPECT_EQ(okj("sum", {J("[49649733057, 1]")}), "49649733058");
  EXPECT_EQ(okj("sum", {J("[1.5, 1]")}), "2.5");
  EXPECT_EQ(okj("sum", {J("[9223372036854775807, 1]")}), "9223372036854775808");
  EXPECT_EQ(okj("product", {S({I(1), I(2), I(3), I(4)})}), "24");
  EXPECT_EQ(err("sum", {J(R"([1, "a"])")}).message,
            "sum: operand 1 must be array of numbers but got array containing string");
  EXPECT_EQ(err("product", {J("{}")}).code, "eval_type_error");
}

TEST(AggregateBuiltins, MaxMinSort) {
  EXPECT_EQ(okj("max", {J("[1,4,2]")}), "4");
  EXPECT_EQ(okj("min", {J("[3, 2, 1, 4, 6, -7, 10]")}), "-7");
  EXPECT_EQ(okj("max", {J(R"([1, "a", null])")}), R"("a")");
  EXPECT_TRUE(is_undefined("max", {J("[]")}));
  EXPECT_EQ(okj("sort", {J("[4,3,2,1]")}), "[1,2,3,4]");
  EXPECT_EQ(okj("sort", {J(R"(["b", 1, null, [0]])")}), R"([null,1,"b",[0]])");
  EXPECT_EQ(okj("sort", {S({I(3), I(1)})}), "[1,3]");
  EXPECT_EQ(err("sort", {Str("x")}).message,
            "sort: operand 1 must be one of {array, set} but got string");
}

TEST(TypeBuiltins, IsAndTypeName) {
  EXPECT_EQ(okj("is_number", {J("1.5")}), "true");
  EXPECT_EQ(okj("is_number", {J("null")}), "false");
  EXPECT_EQ(okj("is_set", {S({})}), "true");
  EXPECT_EQ(okj("is_array", {S({})}), "false");
  EXPECT_EQ(okj("is_object", {J("{}")}), "true");
  EXPECT_EQ(okj("is_null", {J("null")}), "true");
  EXPECT_EQ(okj("is_boolean", {Str("true")}), "false");
  EXPECT_EQ(okj("is_string", {Str("")}), "true");
  EXPECT_EQ(okj("type_name", {S({I(1)})}), R"("set")");
  EXPECT_EQ(okj("type_name", {J("true")}), R"("boolean")");
}

TEST(BitsBuiltins, IntegerOperations) {
  EXPECT_EQ(okj("bits.and", {I(12), I(10)}), "8");
  EXPECT_EQ(okj("bits.or", {I(12), I(10)}), "14");
  EXPECT_EQ(okj("bits.xor", {I(12), I(10)}), "6");
  EXPECT_EQ(okj("bits.negate", {I(0)}), "-1");
  EXPECT_EQ(okj("bits.lsh", {I(1), I(3)}), "8");
  EXPECT_EQ(okj("bits.lsh", {I(1), I(64)}), "18446744073709551616");
  EXPECT_EQ(okj("bits.rsh", {I(-8), I(1)}), "-4");
  EXPECT_EQ(err("bits.and", {J("1.5"), I(1)}).message,
            "bits.and: operand 1 must be integer number but got floating-point number");
  EXPECT_EQ(err("bits.lsh", {I(1), I(-1)}).message,
            "bits.lsh: operand 2 must be an unsigned integer number but got a negative integer");
  EXPECT_EQ(err("bits.rsh", {I(1), I(-1)}).code, "eval_type_error");
}

}  // namespace
}  // namespace mcpgw::policy::rego::testing
