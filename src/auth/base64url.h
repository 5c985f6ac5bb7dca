// Base64url (RFC 4648 §5) without padding, as JOSE uses it. Strict: rejects '=', '+', '/',
// whitespace and non-canonical trailing bits.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mcpgw::auth {

std::optional<std::string> base64url_decode(std::string_view in);
std::string base64url_encode(std::string_view bytes);

}  // namespace mcpgw::auth
