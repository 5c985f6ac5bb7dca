#include "auth/claims.h"

#include <algorithm>

namespace mcpgw::auth {
namespace {

void add_unique(std::vector<std::string>& out, std::string value) {
  if (!value.empty() && std::find(out.begin(), out.end(), value) == out.end())
    out.push_back(std::move(value));
}

std::string string_claim(const nlohmann::json& claims, std::string_view path) {
  const auto* v = claim_at(claims, path);
  if (!v) return {};
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number_integer()) return std::to_string(v->get<long long>());
  return {};
}

}  // namespace

const nlohmann::json* claim_at(const nlohmann::json& claims, std::string_view path) {
  if (!claims.is_object()) return nullptr;
  auto whole = claims.find(std::string(path));
  if (whole != claims.end()) return &*whole;
  auto dot = path.find('.');
  if (dot == std::string_view::npos) return nullptr;
  auto head = claims.find(std::string(path.substr(0, dot)));
  if (head == claims.end()) return nullptr;
  return claim_at(*head, path.substr(dot + 1));
}

std::vector<std::string> strings_at(const nlohmann::json& claims, std::string_view path) {
  std::vector<std::string> out;
  const auto* v = claim_at(claims, path);
  if (!v) return out;
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    std::size_t pos = 0;
    while (pos < s.size()) {
      auto end = s.find(' ', pos);
      if (end == std::string::npos) end = s.size();
      add_unique(out, s.substr(pos, end - pos));
      pos = end + 1;
    }
  } else if (v->is_array()) {
    for (const auto& item : *v)
      if (item.is_string()) add_unique(out, item.get<std::string>());
  }
  return out;
}

std::vector<std::string> map_roles(const std::vector<std::string>& raw_roles,
                                   const std::map<std::string, std::vector<std::string>>& mapping) {
  std::vector<std::string> roles;
  for (const char* role : {"admin", "user"}) {
    auto it = mapping.find(role);
    if (it == mapping.end()) continue;
    for (const auto& raw : raw_roles)
      if (std::find(it->second.begin(), it->second.end(), raw) != it->second.end())
        add_unique(roles, role);
  }
  return roles;
}

void fill_identity(Identity& identity, const nlohmann::json& claims, const IssuerSettings& issuer,
                   const std::map<std::string, std::vector<std::string>>& role_mapping) {
  identity.subject = string_claim(claims, issuer.subject_claim);
  identity.client_id = string_claim(claims, "client_id");
  if (identity.client_id.empty()) identity.client_id = string_claim(claims, "azp");
  identity.token_id = string_claim(claims, "jti");
  for (const auto& path : issuer.roles_claims)
    for (auto& r : strings_at(claims, path)) add_unique(identity.raw_roles, std::move(r));
  for (const auto& path : issuer.scope_claims)
    for (auto& s : strings_at(claims, path)) add_unique(identity.scopes, std::move(s));
  identity.roles = map_roles(identity.raw_roles, role_mapping);
  identity.claims = claims;
}

}  // namespace mcpgw::auth
