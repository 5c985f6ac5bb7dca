#include "calc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace mcpgw::sample {
namespace {

std::string error_of(const std::string& expression) {
  try {
    evaluate_expression(expression);
  } catch (const CalcError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Calc, PrecedenceAndAssociativity) {
  EXPECT_EQ(evaluate_expression("1 + 2 * 3"), 7);
  EXPECT_EQ(evaluate_expression("(1 + 2) * 3"), 9);
  EXPECT_EQ(evaluate_expression("10 - 4 - 3"), 3);   // left-associative
  EXPECT_EQ(evaluate_expression("2 ^ 3 ^ 2"), 512);  // right-associative
  EXPECT_EQ(evaluate_expression("-2 ^ 2"), -4);      // power binds tighter than unary minus
  EXPECT_EQ(evaluate_expression("2 ^ -1"), 0.5);
  EXPECT_EQ(evaluate_expression("--3"), 3);
  EXPECT_EQ(evaluate_expression("7 % 3"), 1);
  EXPECT_EQ(evaluate_expression("1 / 4"), 0.25);
}

TEST(Calc, NumbersConstantsAndFunctions) {
  EXPECT_EQ(evaluate_expression(".5 + 1.5e2"), 150.5);
  EXPECT_DOUBLE_EQ(evaluate_expression("pi"), std::numbers::pi);
  EXPECT_DOUBLE_EQ(evaluate_expression("ln(e)"), 1);
  EXPECT_EQ(evaluate_expression("sqrt(16) + abs(-2) + floor(2.7) + ceil(2.1) + round(2.5)"), 14);
  EXPECT_EQ(evaluate_expression("min(3, 1, 2) + max(3, 1, 2)"), 4);
  EXPECT_EQ(evaluate_expression("pow(2, 10)"), 1024);
  EXPECT_EQ(evaluate_expression("hypot(3, 4)"), 5);
  EXPECT_EQ(evaluate_expression("log10(1000) + log2(8)"), 6);
  EXPECT_EQ(evaluate_expression("-0"), 0);
  EXPECT_FALSE(std::signbit(evaluate_expression("-0")));
}

TEST(Calc, ErrorsNameTheColumn) {
  EXPECT_EQ(error_of("1 +"), "expected a number, a name or '(' at column 4");
  EXPECT_EQ(error_of("(1 + 2"), "expected ')' at column 7");
  EXPECT_EQ(error_of("1 + 2)"), "unexpected ')' at column 6");
  EXPECT_EQ(error_of("2 $ 3"), "unexpected '$' at column 3");
  EXPECT_EQ(error_of("4 / (2 - 2)"), "division by zero at column 3");
  EXPECT_EQ(error_of("5 % 0"), "modulo by zero at column 3");
  EXPECT_EQ(error_of("x + 1"), "unknown constant 'x' (known: pi, e, tau) at column 1");
  EXPECT_NE(error_of("exec(1)").find("unknown function 'exec'"), std::string::npos);
  EXPECT_EQ(error_of("sqrt(1, 2)"), "sqrt() takes 1 argument, got 2 at column 1");
  EXPECT_EQ(error_of("sqrt(-1)"), "sqrt() is undefined for this argument at column 1");
  EXPECT_EQ(error_of("ln(0)"), "ln() is undefined for this argument at column 1");
}

TEST(Calc, RefusesUndefinedResults) {
  EXPECT_EQ(error_of("10 ^ 400"), "the result overflows a double");
  EXPECT_EQ(error_of("1e400"), "number out of range at column 1");
  EXPECT_EQ(error_of("(-8) ^ 0.5"), "the result is not a number");
  EXPECT_EQ(error_of("   "), "expression is empty");
}

TEST(Calc, BoundsLengthAndNesting) {
  EXPECT_EQ(evaluate_expression(std::string(30, '(') + "1" + std::string(30, ')')), 1);
  EXPECT_NE(error_of(std::string(100, '(') + "1" + std::string(100, ')')).find("nested too deeply"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(3000, '-') + "1").find("nested too deeply"), std::string::npos);
  EXPECT_NE(error_of(std::string(kMaxExpressionLength + 1, '1')).find("longer than"),
            std::string::npos);
}

TEST(Calc, FormatsTheShortestRoundTrip) {
  EXPECT_EQ(format_number(14), "14");
  EXPECT_EQ(format_number(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(format_number(1e300), "1e+300");
  EXPECT_EQ(format_number(-2.5), "-2.5");
}

}  // namespace
}  // namespace mcpgw::sample
