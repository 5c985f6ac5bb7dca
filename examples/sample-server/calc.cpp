#include "calc.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <numbers>
#include <vector>

namespace mcpgw::sample {
namespace {

// Recursive descent over this grammar (^ is right-associative and binds tighter than unary minus,
// so -2^2 is -4 as in mathematics):
//   expr    := term (('+' | '-') term)*
//   term    := unary (('*' | '/' | '%') unary)*
//   unary   := ('+' | '-') unary | power
//   power   := primary ('^' unary)?
//   primary := number | '(' expr ')' | name | name '(' expr (',' expr)* ')'
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  double parse() {
    double value = expression();
    skip_space();
    if (pos_ < text_.size()) fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    return value;
  }

 private:
  struct DepthGuard {
    explicit DepthGuard(Parser& p) : parser(p) {
      if (++parser.depth_ > kMaxExpressionDepth) parser.fail("expression is nested too deeply");
    }
    ~DepthGuard() { --parser.depth_; }
    Parser& parser;
  };

  [[noreturn]] void fail(const std::string& what) const {
    throw CalcError(what + " at column " + std::to_string(pos_ + 1));
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }

  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  double expression() {
    DepthGuard guard(*this);
    double value = term();
    for (;;) {
      if (accept('+')) {
        value += term();
      } else if (accept('-')) {
        value -= term();
      } else {
        return value;
      }
    }
  }

  double term() {
    double value = unary();
    for (;;) {
      size_t at = pos_;
      if (accept('*')) {
        value *= unary();
      } else if (accept('/')) {
        double divisor = unary();
        if (divisor == 0) pos_ = at, fail("division by zero");
        value /= divisor;
      } else if (accept('%')) {
        double divisor = unary();
        if (divisor == 0) pos_ = at, fail("modulo by zero");
        value = std::fmod(value, divisor);
      } else {
        return value;
      }
    }
  }

  double unary() {
    DepthGuard guard(*this);
    if (accept('-')) return -unary();
    if (accept('+')) return unary();
    return power();
  }

  double power() {
    double base = primary();
    if (accept('^')) return std::pow(base, unary());
    return base;
  }

  double primary() {
    skip_space();
    if (pos_ >= text_.size()) fail("expected a number, a name or '('");
    char c = text_[pos_];
    if (c == '(') {
      ++pos_;
      double value = expression();
      if (!accept(')')) fail("expected ')'");
      return value;
    }
    if ((c >= '0' && c <= '9') || c == '.') return number();
    if (std::isalpha(static_cast<unsigned char>(c))) return name();
    fail("unexpected '" + std::string(1, c) + "'");
  }

  double number() {
    double value = 0;
    auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), value);
    if (ec == std::errc::result_out_of_range) fail("number out of range");
    if (ec != std::errc()) fail("malformed number");
    pos_ = end - text_.data();
    return value;
  }

  double name() {
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      ++pos_;
    }
    std::string id(text_.substr(start, pos_ - start));
    if (!accept('(')) {
      if (id == "pi") return std::numbers::pi;
      if (id == "e") return std::numbers::e;
      if (id == "tau") return 2 * std::numbers::pi;
      pos_ = start;
      fail("unknown constant '" + id + "' (known: pi, e, tau)");
    }
    std::vector<double> args{expression()};
    while (accept(',')) args.push_back(expression());
    if (!accept(')')) fail("expected ')' or ','");
    return call(id, args, start);
  }

  double call(const std::string& id, const std::vector<double>& args, size_t at) {
    auto arity = [&](size_t n) {
      if (args.size() != n) {
        pos_ = at;
        fail(id + "() takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + ", got " +
             std::to_string(args.size()));
      }
    };
    auto domain = [&](bool ok) {
      if (!ok) pos_ = at, fail(id + "() is undefined for this argument");
    };
    if (id == "min" || id == "max") {
      double result = args[0];
      for (double a : args) result = id == "min" ? std::fmin(result, a) : std::fmax(result, a);
      return result;
    }
    if (id == "pow") return arity(2), std::pow(args[0], args[1]);
    if (id == "hypot") return arity(2), std::hypot(args[0], args[1]);
    if (id == "atan2") return arity(2), std::atan2(args[0], args[1]);
    arity(1);
    double x = args[0];
    if (id == "sqrt") return domain(x >= 0), std::sqrt(x);
    if (id == "cbrt") return std::cbrt(x);
    if (id == "abs") return std::fabs(x);
    if (id == "sin") return std::sin(x);
    if (id == "cos") return std::cos(x);
    if (id == "tan") return std::tan(x);
    if (id == "asin") return domain(x >= -1 && x <= 1), std::asin(x);
    if (id == "acos") return domain(x >= -1 && x <= 1), std::acos(x);
    if (id == "atan") return std::atan(x);
    if (id == "exp") return std::exp(x);
    if (id == "ln") return domain(x > 0), std::log(x);
    if (id == "log10") return domain(x > 0), std::log10(x);
    if (id == "log2") return domain(x > 0), std::log2(x);
    if (id == "floor") return std::floor(x);
    if (id == "ceil") return std::ceil(x);
    if (id == "round") return std::round(x);
    if (id == "trunc") return std::trunc(x);
    pos_ = at;
    fail("unknown function '" + id +
         "' (known: sqrt cbrt abs sin cos tan asin acos atan atan2 exp ln log10 log2 floor ceil "
         "round trunc min max pow hypot)");
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

double evaluate_expression(std::string_view expression) {
  if (expression.size() > kMaxExpressionLength) {
    throw CalcError("expression is longer than " + std::to_string(kMaxExpressionLength) +
                    " characters");
  }
  bool blank = true;
  for (char c : expression) blank = blank && (c == ' ' || c == '\t');
  if (blank) throw CalcError("expression is empty");
  double result = Parser(expression).parse();
  if (std::isnan(result)) throw CalcError("the result is not a number");
  if (std::isinf(result)) throw CalcError("the result overflows a double");
  return result == 0 ? 0.0 : result;  // no "-0"
}

std::string format_number(double value) {
  std::array<char, 64> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), end);
}

}  // namespace mcpgw::sample
