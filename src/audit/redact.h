// Removes secrets from tool arguments before they are queued for the audit trail.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mcpgw::audit {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// Replaces, in place:
//  - the value of every field named in `fields` (a plain name matches that key at any depth;
//    a dotted name "a.b.c" matches that path from the root) — these come from policy obligations;
//  - the value of keys whose name says secret (password, secret, token, api_key, private_key,
//    authorization, cookie, credential(s), ...), when it is a string;
//  - inside every string: PEM blocks, the word after "Bearer"/"Basic", JWTs, sk-…, AKIA…/ASIA…,
//    ghp_…/github_pat_…, xox?-…, glpat-…, AIza… keys, long high-entropy tokens and long hex.
void redact(nlohmann::json& arguments, const std::vector<std::string>& fields);

// The string rules alone: `text` with every secret-looking part replaced by [REDACTED].
std::string redact_string(std::string_view text);

// True when `token` (no separators inside) looks like a key or token on its own.
bool looks_like_secret(std::string_view token);

}  // namespace mcpgw::audit
