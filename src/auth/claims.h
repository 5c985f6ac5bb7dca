// Identity from verified claims: subject, roles and scopes read through configurable claim
// paths ("realm_access.roles", "roles", "groups", "scope", "scp"), roles mapped to the gateway's
// admin/user roles.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/authenticator.h"

namespace mcpgw::auth {

// The value at a dotted path ("realm_access.roles"), or nullptr. A key that itself contains a
// dot (e.g. "https://example.com/roles") is matched whole first.
const nlohmann::json* claim_at(const nlohmann::json& claims, std::string_view path);

// Strings at a path: an array of strings, or one string split on spaces ("scope").
std::vector<std::string> strings_at(const nlohmann::json& claims, std::string_view path);

// Gateway roles granted by the raw roles, in mapping order, without duplicates.
std::vector<std::string> map_roles(const std::vector<std::string>& raw_roles,
                                   const std::map<std::string, std::vector<std::string>>& mapping);

// Fills subject, client_id, token_id, raw_roles, roles, scopes and claims from `claims`.
void fill_identity(Identity& identity, const nlohmann::json& claims, const IssuerSettings& issuer,
                   const std::map<std::string, std::vector<std::string>>& role_mapping);

}  // namespace mcpgw::auth
