#include "policy/rego/builtins/yaml_value.h"

#include <yaml-cpp/yaml.h>

#include <cmath>

#include "policy/rego/builtins/builtin_support.h"

namespace mcpgw::policy::rego::builtins {
namespace {

Value plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Value::null();
  if (s == "true" || s == "True" || s == "TRUE") return Value::boolean(true);
  if (s == "false" || s == "False" || s == "FALSE") return Value::boolean(false);
  if (auto n = Value::number_from_text(s)) return *n;
  // Other decimal forms YAML accepts ("+1", ".5", "1.", "1e3") become numbers too.
  bool decimal_chars = s.find_first_not_of("0123456789+-.eE") == std::string::npos &&
                       s.find_first_of("0123456789") != std::string::npos;
  if (decimal_chars) {
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (end == s.c_str() + s.size()) return number_from_double_exact(d);
  }
  if (s == ".inf" || s == ".Inf" || s == "+.inf" || s == "-.inf" || s == ".nan" || s == ".NaN") {
    return Value::string(s);  // not representable as a JSON number
  }
  return Value::string(s);
}

Value convert(const YAML::Node& node, int depth) {
  if (depth > 1000) throw std::runtime_error("yaml: exceeded max depth");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return Value::null();
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str")
        return Value::string(node.Scalar());
      return plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      std::vector<Value> items;
      for (const auto& child : node) items.push_back(convert(child, depth + 1));
      return Value::array(std::move(items));
    }
    case YAML::NodeType::Map: {
      std::vector<ObjectEntry> entries;
      for (const auto& kv : node) {
        // JSON objects only have string keys; other scalar keys keep their text.
        const YAML::Node& k = kv.first;
        if (!k.IsScalar())
          throw std::runtime_error("yaml: non-scalar mapping key is not supported");
        entries.emplace_back(Value::string(k.Scalar()), convert(kv.second, depth + 1));
      }
      return Value::object(std::move(entries));
    }
  }
  return Value::null();
}

// yaml-cpp's messages in the words of Go's YAML parser, which OPA's errors carry.
std::string go_wording(const std::string& msg) {
  if (msg.find("end of sequence flow not found") != std::string::npos)
    return "did not find expected ',' or ']'";
  if (msg.find("end of map flow not found") != std::string::npos)
    return "did not find expected ',' or '}'";
  return msg;
}

void emit(YAML::Emitter& out, const Value& v) {
  switch (v.kind()) {
    case Kind::Null:
      out << YAML::Null;
      break;
    case Kind::Boolean:
      out << (v.as_bool() ? "true" : "false");
      break;
    case Kind::Number:
      out << v.number_text();
      break;
    case Kind::String: {
      const std::string& s = v.as_string();
      // Quote strings that would read back as another type.
      Value back = plain_scalar(s);
      if (!back.is_string() || s.empty())
        out << YAML::DoubleQuoted << s;
      else
        out << s;
      break;
    }
    case Kind::Array:
    case Kind::Set:
      out << YAML::BeginSeq;
      for (const auto& item : v.items()) emit(out, item);
      out << YAML::EndSeq;
      break;
    case Kind::Object:
      out << YAML::BeginMap;
      for (const auto& [k, val] : v.entries()) {
        out << YAML::Key << (k.is_string() ? k.as_string() : k.to_json()) << YAML::Value;
        emit(out, val);
      }
      out << YAML::EndMap;
      break;
  }
}

}  // namespace

std::optional<Value> yaml_to_value(std::string_view text, std::string& error) {
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
    if (docs.empty()) return Value::null();
    return convert(docs[0], 0);
  } catch (const YAML::Exception& e) {
    error = "yaml: line " + std::to_string(e.mark.line + 1) + ": " + go_wording(e.msg);
  } catch (const std::exception& e) {
    error = e.what();
  }
  return std::nullopt;
}

std::string value_to_yaml(const Value& v) {
  YAML::Emitter out;
  emit(out, v);
  std::string s = out.c_str();
  s += '\n';
  return s;
}

}  // namespace mcpgw::policy::rego::builtins
