// A safe arithmetic evaluator: numbers, + - * / % ^, parentheses, a few constants and functions.
// No variables, no assignment, nothing that touches the system; input length and nesting are
// bounded so that no expression can exhaust the stack.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace mcpgw::sample {

struct CalcError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

constexpr size_t kMaxExpressionLength = 4096;
constexpr int kMaxExpressionDepth = 64;

// Evaluates `expression`; throws CalcError naming the position of the problem (1-based column),
// or the reason the result is undefined (division by zero, sqrt of a negative number, overflow).
double evaluate_expression(std::string_view expression);

// The shortest decimal text that reads back as the same double ("0.1", "1e+300", "42").
std::string format_number(double value);

}  // namespace mcpgw::sample
