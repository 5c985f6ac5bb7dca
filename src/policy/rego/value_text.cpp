#include "policy/rego/value_text.h"

namespace mcpgw::policy::rego {

namespace {
void append_text(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Kind::Array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += ", ";
        first = false;
        append_text(out, item);
      }
      out.push_back(']');
      return;
    }
    case Kind::Set: {
      if (v.size() == 0) {
        out += "set()";
        return;
      }
      out.push_back('{');
      bool first = true;
      for (const auto& item : v.items()) {
        if (!first) out += ", ";
        first = false;
        append_text(out, item);
      }
      out.push_back('}');
      return;
    }
    case Kind::Object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, val] : v.entries()) {
        if (!first) out += ", ";
        first = false;
        append_text(out, k);
        out += ": ";
        append_text(out, val);
      }
      out.push_back('}');
      return;
    }
    default: v.append_json(out);
  }
}
}  // namespace

std::string to_rego_text(const Value& v) {
  std::string out;
  append_text(out, v);
  return out;
}

std::string to_display_text(const Value& v) {
  if (v.is_string()) return v.as_string();
  return to_rego_text(v);
}

}  // namespace mcpgw::policy::rego
