#include "policy/rego/builtins/go_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <variant>

#include "policy/rego/builtins/builtin_support.h"

namespace mcpgw::policy::rego::builtins {
namespace {

// The Go value a Rego argument becomes in OPA's sprintf.
struct BigInt {
  std::string digits;  // optional '-' then decimal digits
};
using GoArg = std::variant<int64_t, BigInt, double, std::string>;

GoArg to_go_arg(const Value& v) {
  if (v.is_number()) {
    if (v.is_int64()) return v.as_int64();
    if (v.number_rep() == NumberRep::BigInt) return BigInt{v.number_text()};
    return v.as_double();
  }
  if (v.is_string()) return v.as_string();
  return rego_string(v);
}

struct Spec {
  bool minus = false, plus = false, space = false, sharp = false, zero = false;
  int width = -1;
  int prec = -1;
  char verb = 0;
};

// Decimal digit string (no sign) divided repeatedly to another base.
std::string digits_in_base(std::string dec, int base, bool upper) {
  if (dec == "0") return "0";
  const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  while (!(dec.size() == 1 && dec[0] == '0')) {
    std::string q;
    int rem = 0;
    for (char c : dec) {
      int cur = rem * 10 + (c - '0');
      int d = cur / base;
      rem = cur % base;
      if (!q.empty() || d != 0) q += static_cast<char>('0' + d);
    }
    out += alphabet[rem];
    dec = q.empty() ? "0" : q;
  }
  return std::string(out.rbegin(), out.rend());
}

std::string pad(std::string body, const Spec& s, bool numeric) {
  if (s.width < 0) return body;
  size_t len = utf8_length(body);
  if (len >= static_cast<size_t>(s.width)) return body;
  size_t n = s.width - len;
  if (s.minus) return body + std::string(n, ' ');
  if (s.zero && numeric) {
    // Zeros go after any sign or base prefix.
    size_t at = 0;
    if (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) at = 1;
    if (body.size() >= at + 2 && body[at] == '0' && (body[at + 1] == 'x' || body[at + 1] == 'X'))
      at += 2;
    return body.substr(0, at) + std::string(n, '0') + body.substr(at);
  }
  if (s.zero && !numeric) return std::string(n, '0') + body;
  return std::string(n, ' ') + body;
}

std::string with_sign(bool negative, std::string digits, const Spec& s) {
  if (negative) return "-" + digits;
  if (s.plus) return "+" + digits;
  if (s.space) return " " + digits;
  return digits;
}

std::string format_integer(bool negative, const std::string& abs_digits, const Spec& s) {
  std::string body;
  std::string prefix;
  switch (s.verb) {
    case 'd':
    case 'v':
      body = abs_digits;
      break;
    case 'b':
      body = digits_in_base(abs_digits, 2, false);
      if (s.sharp) prefix = "0b";
      break;
    case 'o':
      body = digits_in_base(abs_digits, 8, false);
      if (s.sharp) prefix = "0";
      break;
    case 'O':
      body = digits_in_base(abs_digits, 8, false);
      prefix = "0o";
      break;
    case 'x':
      body = digits_in_base(abs_digits, 16, false);
      if (s.sharp) prefix = "0x";
      break;
    case 'X':
      body = digits_in_base(abs_digits, 16, true);
      if (s.sharp) prefix = "0X";
      break;
    default:
      body = abs_digits;
  }
  if (s.prec >= 0 && body.size() < static_cast<size_t>(s.prec)) {
    body = std::string(s.prec - body.size(), '0') + body;
  }
  if (s.prec == 0 && body == "0") body.clear();
  Spec padding = s;
  if (s.prec >= 0) padding.zero = false;  // Go ignores the 0 flag when a precision is given
  return pad(with_sign(negative, prefix + body, s), padding, true);
}

std::string format_float(double d, const Spec& s) {
  std::string body;
  bool neg = std::signbit(d);
  double a = std::fabs(d);
  if (std::isinf(d)) {
    body = "Inf";
  } else if (std::isnan(d)) {
    body = "NaN";
    neg = false;
  } else {
    char buf[512];
    switch (s.verb) {
      case 'e':
      case 'E':
        std::snprintf(buf, sizeof buf, s.verb == 'e' ? "%.*e" : "%.*E", s.prec < 0 ? 6 : s.prec, a);
        body = buf;
        break;
      case 'f':
      case 'F':
        std::snprintf(buf, sizeof buf, "%.*f", s.prec < 0 ? 6 : s.prec, a);
        body = buf;
        break;
      case 'g':
      case 'G':
      case 'v':
        if (s.prec < 0) {
          body = go_format_float_g(a);
        } else {
          std::snprintf(buf, sizeof buf, "%.*g", s.prec == 0 ? 1 : s.prec, a);
          body = buf;
        }
        if (s.verb == 'G') {
          for (auto& c : body) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        break;
      default:
        body = go_format_float_g(a);
    }
  }
  Spec padding = s;
  if (std::isinf(d) || std::isnan(d)) padding.zero = false;
  return pad(with_sign(neg, body, s), padding, true);
}

std::string quote_go(std::string_view in) {
  std::string out = "\"";
  for (char32_t c : utf8_decode(in)) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
          out += buf;
        } else {
          utf8_append(out, c);
        }
    }
  }
  return out + "\"";
}

std::string type_of(const GoArg& a) {
  if (std::holds_alternative<int64_t>(a)) return "int";
  if (std::holds_alternative<BigInt>(a)) return "*big.Int";
  if (std::holds_alternative<double>(a)) return "float64";
  return "string";
}

std::string plain(const GoArg& a) {
  Spec s;
  s.verb = 'v';
  if (auto* i = std::get_if<int64_t>(&a)) return std::to_string(*i);
  if (auto* b = std::get_if<BigInt>(&a)) return b->digits;
  if (auto* d = std::get_if<double>(&a)) return format_float(*d, s);
  return std::get<std::string>(a);
}

std::string bad_verb(char verb, const GoArg& a) {
  return std::string("%!") + verb + "(" + type_of(a) + "=" + plain(a) + ")";
}

std::string format_arg(const GoArg& a, const Spec& s) {
  if (auto* i = std::get_if<int64_t>(&a)) {
    if (std::string_view("dvboOxX").find(s.verb) != std::string_view::npos) {
      bool neg = *i < 0;
      uint64_t mag = neg ? (~static_cast<uint64_t>(*i) + 1) : static_cast<uint64_t>(*i);
      return format_integer(neg, std::to_string(mag), s);
    }
    if (s.verb == 'c') {
      std::string out;
      utf8_append(out, static_cast<char32_t>(*i));
      return pad(out, s, false);
    }
    return bad_verb(s.verb, a);
  }
  if (auto* b = std::get_if<BigInt>(&a)) {
    if (std::string_view("dvsboxX").find(s.verb) != std::string_view::npos) {
      bool neg = !b->digits.empty() && b->digits[0] == '-';
      Spec t = s;
      if (t.verb == 's') t.verb = 'd';
      return format_integer(neg, neg ? b->digits.substr(1) : b->digits, t);
    }
    return bad_verb(s.verb, a);
  }
  if (auto* d = std::get_if<double>(&a)) {
    if (std::string_view("veEfFgG").find(s.verb) != std::string_view::npos) {
      return format_float(*d, s);
    }
    return bad_verb(s.verb, a);
  }
  const std::string& str = std::get<std::string>(a);
  switch (s.verb) {
    case 's':
    case 'v': {
      std::string body = str;
      if (s.prec >= 0) {
        auto cps = utf8_decode(str);
        if (cps.size() > static_cast<size_t>(s.prec)) {
          cps.resize(s.prec);
          body = utf8_encode(cps);
        }
      }
      return pad(body, s, false);
    }
    case 'q':
      return pad(quote_go(str), s, false);
    case 'x':
    case 'X': {
      const char* alphabet = s.verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
      std::string out;
      for (unsigned char c : str) {
        out += alphabet[c >> 4];
        out += alphabet[c & 15];
      }
      return pad(out, s, false);
    }
    default:
      return bad_verb(s.verb, a);
  }
}

}  // namespace

std::string go_format_float_g(double d) {
  if (std::isinf(d)) return d < 0 ? "-Inf" : "+Inf";
  if (std::isnan(d)) return "NaN";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // like "-1.2345e+08" with the shortest digits
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t epos = sci.find('e');
  std::string mant = sci.substr(0, epos);
  int exp = std::atoi(sci.c_str() + epos + 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  std::string out;
  if (exp < -4 || exp >= 6) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += e;
  } else if (exp < 0) {
    out = "0." + std::string(-exp - 1, '0') + digits;
  } else if (static_cast<size_t>(exp) + 1 >= digits.size()) {
    out = digits + std::string(exp + 1 - digits.size(), '0');
  } else {
    out = digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
  }
  return neg ? "-" + out : out;
}

std::string go_sprintf(std::string_view format, const std::vector<Value>& values) {
  std::vector<GoArg> args;
  args.reserve(values.size());
  for (const auto& v : values) args.push_back(to_go_arg(v));
  std::string out;
  size_t argi = 0;
  size_t i = 0;
  while (i < format.size()) {
    char c = format[i];
    if (c != '%') {
      out += c;
      ++i;
      continue;
    }
    ++i;
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    Spec s;
    for (; i < format.size(); ++i) {
      char f = format[i];
      if (f == '-')
        s.minus = true;
      else if (f == '+')
        s.plus = true;
      else if (f == ' ')
        s.space = true;
      else if (f == '#')
        s.sharp = true;
      else if (f == '0')
        s.zero = !s.minus;
      else
        break;
    }
    auto read_num = [&](int& into) {
      if (i < format.size() && format[i] == '*') {
        ++i;
        if (argi < args.size() && std::holds_alternative<int64_t>(args[argi])) {
          into = static_cast<int>(std::get<int64_t>(args[argi]));
          ++argi;
        } else {
          out += "%!(BADWIDTH)";
        }
        return;
      }
      if (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
        into = 0;
        while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
          into = into * 10 + (format[i] - '0');
          if (into > 100000) into = 100000;
          ++i;
        }
      }
    };
    read_num(s.width);
    if (i < format.size() && format[i] == '.') {
      ++i;
      s.prec = 0;
      read_num(s.prec);
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    s.verb = format[i++];
    if (s.verb == '%') {
      out += '%';
      continue;
    }
    if (argi >= args.size()) {
      out += std::string("%!") + s.verb + "(MISSING)";
      continue;
    }
    out += format_arg(args[argi++], s);
  }
  if (argi < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out += ", ";
      out += type_of(args[k]) + "=" + plain(args[k]);
    }
    out += ")";
  }
  return out;
}

}  // namespace mcpgw::policy::rego::builtins
