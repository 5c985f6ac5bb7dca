#include "policy/rego/builtins/builtin_support.h"

#include <cmath>
#include <cstdio>
#include <utility>

namespace mcpgw::policy::rego::builtins {

void def(Registry& r, std::string name, std::vector<TypeMask> params, BodyFn body,
         DefOptions options) {
  Builtin b;
  b.name = std::move(name);
  b.params = std::move(params);
  b.result = options.result;
  b.relation = options.relation;
  b.nondeterministic = options.nondeterministic;
  b.fn = [body = std::move(body)](std::span<const Value> args,
                                  BuiltinContext& ctx) -> BuiltinResult {
    try {
      return body(args, ctx);
    } catch (Failure& f) {
      return std::move(f.error);
    } catch (NoResult&) {
      return Undefined{};
    }
  };
  r.add(std::move(b));
}

void fail_type(std::string_view fn, int pos, std::string_view want, const Value& got) {
  throw Failure{operand_type_error(fn, pos, want, got)};
}

void fail(std::string_view fn, std::string_view message) {
  throw Failure{builtin_error(fn, message)};
}

void fail_raw(std::string code, std::string message) {
  throw Failure{BuiltinError{std::move(code), std::move(message)}};
}

void undefined() {
  throw NoResult{};
}

const std::string& str_arg(std::string_view fn, Args args, int pos) {
  const Value& v = args[pos - 1];
  if (!v.is_string()) fail_type(fn, pos, "string", v);
  return v.as_string();
}

const Value& kind_arg(std::string_view fn, Args args, int pos, Kind kind) {
  const Value& v = args[pos - 1];
  if (v.kind() != kind) fail_type(fn, pos, kind_name(kind), v);
  return v;
}

const Value& num_arg(std::string_view fn, Args args, int pos) {
  return kind_arg(fn, args, pos, Kind::Number);
}

int64_t int_arg(std::string_view fn, Args args, int pos) {
  const Value& v = num_arg(fn, args, pos);
  if (v.number_rep() == NumberRep::Float) {
    auto i = v.to_int64();
    if (!i) {
      fail_raw("eval_type_error", std::string(fn) + ": operand " + std::to_string(pos) +
                                      " must be integer number but got floating-point number");
    }
    return *i;
  }
  if (v.number_rep() == NumberRep::BigInt) {
    fail(fn, "operand " + std::to_string(pos) + " is too large");
  }
  return v.as_int64();
}

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::Null:
      return "null";
    case Kind::Boolean:
      return "boolean";
    case Kind::Number:
      return "number";
    case Kind::String:
      return "string";
    case Kind::Array:
      return "array";
    case Kind::Object:
      return "object";
    case Kind::Set:
      return "set";
  }
  return "unknown";
}

std::vector<char32_t> utf8_decode(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    char32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      len = 4;
    } else {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    bool ok = i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF, as Go does.
    if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
               cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) {
      ok = false;
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

void utf8_append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string utf8_encode(std::span<const char32_t> cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps) utf8_append(out, c);
  return out;
}

size_t utf8_length(std::string_view s) {
  // ASCII (the common case for identifiers and paths) needs no decoding.
  bool ascii = true;
  for (char c : s) ascii = ascii && (static_cast<unsigned char>(c) < 0x80);
  return ascii ? s.size() : utf8_decode(s).size();
}

Value number_from_double_exact(double d) {
  if (std::isfinite(d) && d == std::trunc(d)) {
    if (std::fabs(d) < 9.2e18) return Value::integer(static_cast<int64_t>(d));
    char buf[400];
    std::snprintf(buf, sizeof buf, "%.0f", d);
    return Value::big_integer(buf);
  }
  return Value::floating(d);
}

namespace {

void append_rego(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Kind::Array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += ", ";
        first = false;
        append_rego(out, item);
      }
      out += ']';
      return;
    }
    case Kind::Set: {
      if (v.size() == 0) {
        out += "set()";
        return;
      }
      out += '{';
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += ", ";
        first = false;
        append_rego(out, item);
      }
      out += '}';
      return;
    }
    case Kind::Object: {
      out += '{';
      bool first = true;
      for (const auto& [k, val] : v.entries()) {
        if (!first) out += ", ";
        first = false;
        append_rego(out, k);
        out += ": ";
        append_rego(out, val);
      }
      out += '}';
      return;
    }
    default:
      v.append_json(out);
      return;
  }
}

}  // namespace

std::string rego_string(const Value& v) {
  std::string out;
  append_rego(out, v);
  return out;
}

}  // namespace mcpgw::policy::rego::builtins
