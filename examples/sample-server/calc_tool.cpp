// calc: evaluates an arithmetic expression with the safe evaluator of calc.h.
#include "arguments.h"
#include "calc.h"
#include "tools.h"

namespace mcpgw::sample {
namespace {

ToolOutput run(const json& arguments) {
  reject_unknown_arguments(arguments, {"expression"});
  std::string expression = required_string(arguments, "expression");
  double result = 0;
  try {
    result = evaluate_expression(expression);
  } catch (const CalcError& e) {
    throw ToolError(std::string("cannot evaluate: ") + e.what());
  }
  return {format_number(result), {{"expression", expression}, {"result", result}}};
}

}  // namespace

Tool make_calc_tool() {
  return Tool{
      .name = "calc",
      .title = "Calculator",
      .description =
          "Evaluates an arithmetic expression in double precision: numbers, + - * / % "
          "^ (power), parentheses, constants pi e tau and functions sqrt cbrt abs sin "
          "cos tan asin acos atan atan2 exp ln log10 log2 floor ceil round trunc min "
          "max pow hypot. Example: 2 * (3 + 4) ^ 2 / sqrt(16)",
      .input_schema = {{"type", "object"},
                       {"properties",
                        {{"expression",
                          {{"type", "string"},
                           {"maxLength", kMaxExpressionLength},
                           {"description", "The expression, e.g. (1 + 2) * 3"}}}}},
                       {"required", {"expression"}},
                       {"additionalProperties", false}},
      .output_schema = {{"type", "object"},
                        {"properties",
                         {{"expression", {{"type", "string"}}}, {"result", {{"type", "number"}}}}},
                        {"required", {"expression", "result"}}},
      .run = run,
  };
}

}  // namespace mcpgw::sample
