// Encoding built-ins: base64, base64url, hex, json.marshal/unmarshal/is_valid,
// json.marshal_with_options, urlquery.*, yaml.*.
#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"
#include "policy/rego/builtins/codec.h"
#include "policy/rego/builtins/yaml_value.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

Value base64_decode_fn(const char* fn, const std::string& s, Base64Alphabet alphabet) {
  std::string error;
  std::string input = s;
  // base64url.decode accepts input with or without padding.
  if (alphabet == Base64Alphabet::Url && s.find('=') == std::string::npos && s.size() % 4 != 0) {
    input.append(4 - s.size() % 4, '=');
  }
  auto out = base64_decode(input, alphabet, /*padded=*/true, error);
  if (!out) fail(fn, error);
  return str(std::move(*out));
}

// Go's json.MarshalIndent layout, with `prefix` also before the first line as OPA writes it.
void append_indented(std::string& out, const Value& v, const std::string& prefix,
                     const std::string& indent, int depth) {
  auto newline = [&](int d) {
    out += '\n';
    out += prefix;
    for (int i = 0; i < d; ++i) out += indent;
  };
  if (v.is_array() || v.is_set()) {
    if (v.size() == 0) {
      out += "[]";
      return;
    }
    out += '[';
    bool first = true;
    for (const auto& item : v.items()) {
      if (!first) out += ',';
      first = false;
      newline(depth + 1);
      append_indented(out, item, prefix, indent, depth + 1);
    }
    newline(depth);
    out += ']';
    return;
  }
  if (v.is_object()) {
    if (v.size() == 0) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (const auto& [k, val] : v.entries()) {
      if (!first) out += ',';
      first = false;
      newline(depth + 1);
      if (k.is_string())
        k.append_json(out);
      else
        Value::string(k.to_json()).append_json(out);
      out += ": ";
      append_indented(out, val, prefix, indent, depth + 1);
    }
    newline(depth);
    out += '}';
    return;
  }
  v.append_json(out);
}

Value marshal_with_options(Args a, BuiltinContext&) {
  const char* fn = "json.marshal_with_options";
  const Value& opts = kind_arg(fn, a, 2, Kind::Object);
  bool pretty = false;
  bool pretty_set = false;
  std::string prefix, indent = "\t";
  bool has_layout = false;
  for (const auto& [k, v] : opts.entries()) {
    std::string key = k.is_string() ? k.as_string() : k.to_json();
    if (key == "pretty") {
      if (!v.is_bool())
        fail_raw("eval_type_error", std::string(fn) + ": operand 2 \"pretty\" must be boolean");
      pretty = v.as_bool();
      pretty_set = true;
    } else if (key == "prefix" || key == "indent") {
      if (!v.is_string())
        fail_raw("eval_type_error", std::string(fn) + ": operand 2 \"" + key + "\" must be string");
      (key == "prefix" ? prefix : indent) = v.as_string();
      has_layout = true;
    } else {
      fail_raw("eval_type_error",
               std::string(fn) + ": operand 2 object contained unknown key \"" + key + "\"");
    }
  }
  if (!pretty_set) pretty = has_layout;
  if (!pretty) return str(a[0].to_json());
  std::string out = prefix;
  append_indented(out, a[0], prefix, indent, 0);
  return str(std::move(out));
}

// Go's url.QueryEscape.
std::string query_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// Go's url.QueryUnescape; nullopt with Go's message on a bad escape.
std::optional<std::string> query_unescape(std::string_view s, std::string& error) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      auto hexval = [](char h) {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      if (i + 2 >= s.size() || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
        std::string esc(s.substr(i, std::min<size_t>(3, s.size() - i)));
        error = "invalid URL escape \"" + esc + "\"";
        return std::nullopt;
      }
      out += static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Value urlquery_encode_object(Args a, BuiltinContext&) {
  const char* fn = "urlquery.encode_object";
  const Value& obj = kind_arg(fn, a, 1, Kind::Object);
  std::string out;
  auto add = [&](const std::string& k, const Value& v) {
    if (!v.is_string())
      fail_type(fn, 1, "object[string]: string | array[string] | set[string]", obj);
    if (!out.empty()) out += '&';
    out += query_escape(k) + "=" + query_escape(v.as_string());
  };
  for (const auto& [k, v] : obj.entries()) {
    if (!k.is_string()) fail_type(fn, 1, "object with string keys", obj);
    if (v.is_array() || v.is_set()) {
      for (const auto& item : v.items()) add(k.as_string(), item);
    } else {
      add(k.as_string(), v);
    }
  }
  return str(std::move(out));
}

Value urlquery_decode_object(Args a, BuiltinContext&) {
  const char* fn = "urlquery.decode_object";
  const std::string& s = str_arg(fn, a, 1);
  std::vector<std::pair<std::string, std::vector<Value>>> pairs;
  size_t pos = 0;
  while (pos <= s.size() && !s.empty()) {
    size_t amp = s.find('&', pos);
    std::string part = s.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    pos = amp == std::string::npos ? s.size() + 1 : amp + 1;
    if (part.empty()) continue;
    if (part.find(';') != std::string::npos) fail(fn, "invalid semicolon separator in query");
    size_t eq = part.find('=');
    std::string error;
    auto key = query_unescape(part.substr(0, eq), error);
    if (!key) fail(fn, error);
    auto val = query_unescape(eq == std::string::npos ? "" : part.substr(eq + 1), error);
    if (!val) fail(fn, error);
    auto it =
        std::find_if(pairs.begin(), pairs.end(), [&](const auto& p) { return p.first == *key; });
    if (it == pairs.end())
      pairs.push_back({*key, {str(*val)}});
    else
      it->second.push_back(str(*val));
  }
  std::vector<ObjectEntry> entries;
  for (auto& [k, vs] : pairs) entries.emplace_back(str(k), Value::array(std::move(vs)));
  return Value::object(std::move(entries));
}

}  // namespace

void register_encoding_builtins(Registry& r) {
  const auto S = kString;
  def(r, "base64.encode", {S},
      [](Args a, BuiltinContext&) {
        return str(base64_encode(str_arg("base64.encode", a, 1), Base64Alphabet::Standard, true));
      },
      {kString});
  def(r, "base64.decode", {S},
      [](Args a, BuiltinContext&) {
        std::string error;
        auto out =
            base64_decode(str_arg("base64.decode", a, 1), Base64Alphabet::Standard, true, error);
        if (!out) fail("base64.decode", error);
        return str(std::move(*out));
      },
      {kString});
  def(r, "base64.is_valid", {S},
      [](Args a, BuiltinContext&) {
        std::string error;
        return Value::boolean(
            base64_decode(str_arg("base64.is_valid", a, 1), Base64Alphabet::Standard, true, error)
                .has_value());
      },
      {kBoolean});
  def(r, "base64url.encode", {S},
      [](Args a, BuiltinContext&) {
        return str(base64_encode(str_arg("base64url.encode", a, 1), Base64Alphabet::Url, true));
      },
      {kString});
  def(r, "base64url.encode_no_pad", {S},
      [](Args a, BuiltinContext&) {
        return str(
            base64_encode(str_arg("base64url.encode_no_pad", a, 1), Base64Alphabet::Url, false));
      },
      {kString});
  def(r, "base64url.decode", {S},
      [](Args a, BuiltinContext&) {
        return base64_decode_fn("base64url.decode", str_arg("base64url.decode", a, 1),
                                Base64Alphabet::Url);
      },
      {kString});
  def(r, "hex.encode", {S},
      [](Args a, BuiltinContext&) { return str(hex_encode(str_arg("hex.encode", a, 1))); },
      {kString});
  def(r, "hex.decode", {S},
      [](Args a, BuiltinContext&) {
        std::string error;
        auto out = hex_decode(str_arg("hex.decode", a, 1), error);
        if (!out) fail("hex.decode", error);
        return str(std::move(*out));
      },
      {kString});

  def(r, "json.marshal", {kAny}, [](Args a, BuiltinContext&) { return str(a[0].to_json()); },
      {kString});
  def(r, "json.marshal_with_options", {kAny, kObject}, marshal_with_options, {kString});
  def(r, "json.unmarshal", {S}, [](Args a, BuiltinContext&) {
    const std::string& s = str_arg("json.unmarshal", a, 1);
    try {
      return Value::from_json(s);
    } catch (const JsonError& e) {
      fail("json.unmarshal", e.what());
    }
  });
  def(r, "json.is_valid", {kAny},
      [](Args a, BuiltinContext&) {
        if (!a[0].is_string()) return Value::boolean(false);
        try {
          Value::from_json(a[0].as_string());
          return Value::boolean(true);
        } catch (const JsonError&) {
          return Value::boolean(false);
        }
      },
      {kBoolean});

  def(r, "yaml.marshal", {kAny}, [](Args a, BuiltinContext&) { return str(value_to_yaml(a[0])); },
      {kString});
  def(r, "yaml.unmarshal", {S}, [](Args a, BuiltinContext&) {
    std::string error;
    auto v = yaml_to_value(str_arg("yaml.unmarshal", a, 1), error);
    if (!v) fail("yaml.unmarshal", error);
    return *v;
  });
  def(r, "yaml.is_valid", {kAny},
      [](Args a, BuiltinContext&) {
        if (!a[0].is_string()) return Value::boolean(false);
        std::string error;
        return Value::boolean(yaml_to_value(a[0].as_string(), error).has_value());
      },
      {kBoolean});

  def(r, "urlquery.encode", {S},
      [](Args a, BuiltinContext&) { return str(query_escape(str_arg("urlquery.encode", a, 1))); },
      {kString});
  def(r, "urlquery.decode", {S},
      [](Args a, BuiltinContext&) {
        std::string error;
        auto out = query_unescape(str_arg("urlquery.decode", a, 1), error);
        if (!out) fail("urlquery.decode", error);
        return str(std::move(*out));
      },
      {kString});
  def(r, "urlquery.encode_object", {kObject}, urlquery_encode_object, {kString});
  def(r, "urlquery.decode_object", {S}, urlquery_decode_object, {kObject});
  register_json_schema_builtins(r);
}

}  // namespace mcpgw::policy::rego
