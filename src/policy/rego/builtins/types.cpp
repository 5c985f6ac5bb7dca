// Type built-ins: is_number, is_string, ..., type_name.
#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

void def_is(Registry& r, const char* name, Kind kind) {
  def(r, name, {kAny},
      [kind](Args a, BuiltinContext&) { return Value::boolean(a[0].kind() == kind); }, {kBoolean});
}

}  // namespace

void register_type_builtins(Registry& r) {
  def_is(r, "is_null", Kind::Null);
  def_is(r, "is_boolean", Kind::Boolean);
  def_is(r, "is_number", Kind::Number);
  def_is(r, "is_string", Kind::String);
  def_is(r, "is_array", Kind::Array);
  def_is(r, "is_object", Kind::Object);
  def_is(r, "is_set", Kind::Set);
  def(r, "type_name", {kAny},
      [](Args a, BuiltinContext&) { return str(std::string(a[0].type_name())); }, {kString});
}

}  // namespace mcpgw::policy::rego
