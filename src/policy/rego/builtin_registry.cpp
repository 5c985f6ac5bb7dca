#include "policy/rego/builtin_registry.h"

#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {

void Registry::add(Builtin b) {
  std::string name = b.name;
  by_name_.insert_or_assign(std::move(name), std::move(b));
}

const Builtin* Registry::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  out.reserve(by_name_.size());
  for (const auto& [name, _] : by_name_) out.push_back(name);
  return out;
}

const Registry& Registry::standard() {
  static const Registry registry = [] {
    Registry r;
    register_all_builtins(r);
    register_operators(r);  // last: the evaluator's operators win over any duplicate
    return r;
  }();
  return registry;
}

BuiltinError operand_type_error(std::string_view fn, int pos, std::string_view want,
                                const Value& got) {
  std::string msg;
  msg.append(fn).append(": operand ").append(std::to_string(pos)).append(" must be ");
  msg.append(want).append(" but got ").append(got.type_name());
  return BuiltinError{"eval_type_error", std::move(msg)};
}

BuiltinError builtin_error(std::string_view fn, std::string_view message) {
  std::string msg;
  msg.append(fn).append(": ").append(message);
  return BuiltinError{"eval_builtin_error", std::move(msg)};
}

void register_all_builtins(Registry& r) {
  register_string_builtins(r);
  register_regex_builtins(r);
  register_number_builtins(r);
  register_aggregate_builtins(r);
  register_collection_builtins(r);
  register_type_builtins(r);
  register_bits_builtins(r);
  register_encoding_builtins(r);
  register_json_patch_builtins(r);
  register_time_builtins(r);
  register_net_builtins(r);
  register_crypto_builtins(r);
  register_jwt_builtins(r);
  register_x509_builtins(r);
  register_units_builtins(r);
  register_semver_builtins(r);
  register_uuid_builtins(r);
  register_graph_builtins(r);
}

}  // namespace mcpgw::policy::rego
