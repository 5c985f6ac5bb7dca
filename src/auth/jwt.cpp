#include "auth/jwt.h"

#include <algorithm>

#include "auth/base64url.h"

namespace mcpgw::auth {
namespace {

std::variant<nlohmann::json, ParseError> decode_json_object(std::string_view part,
                                                            const char* what) {
  auto bytes = base64url_decode(part);
  if (!bytes)
    return ParseError{std::string("malformed token: ") + what + " is not valid base64url"};
  // No exceptions from the parser: a parse failure yields a discarded value.
  auto json = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded())
    return ParseError{std::string("malformed token: ") + what + " is not JSON"};
  if (!json.is_object())
    return ParseError{std::string("malformed token: ") + what + " is not a JSON object"};
  return json;
}

std::string string_member(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool looks_like_jwt(std::string_view token) {
  return std::count(token.begin(), token.end(), '.') == 2;
}

std::variant<ParsedJwt, ParseError> parse_jwt(std::string_view token, std::size_t max_bytes) {
  if (token.size() > max_bytes)
    return ParseError{"token too large (" + std::to_string(token.size()) + " bytes, limit " +
                      std::to_string(max_bytes) + ")"};
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return ParseError{"malformed token: not a compact JWS (header.payload.signature)"};
  auto header_part = token.substr(0, dot1);
  auto payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  auto signature_part = token.substr(dot2 + 1);
  if (header_part.empty() || payload_part.empty())
    return ParseError{"malformed token: empty header or payload"};

  ParsedJwt jwt;
  auto header = decode_json_object(header_part, "header");
  if (auto* e = std::get_if<ParseError>(&header)) return *e;
  jwt.header = std::move(std::get<nlohmann::json>(header));

  auto alg = jwt.header.find("alg");
  if (alg == jwt.header.end() || !alg->is_string())
    return ParseError{"malformed token: header has no alg"};
  jwt.alg = alg->get<std::string>();
  jwt.kid = string_member(jwt.header, "kid");
  jwt.typ = string_member(jwt.header, "typ");
  // Unknown critical extensions must make the token invalid (RFC 7515 §4.1.11).
  if (jwt.header.contains("crit")) return ParseError{"unsupported critical header (crit)"};

  auto payload = decode_json_object(payload_part, "payload");
  if (auto* e = std::get_if<ParseError>(&payload)) return *e;
  jwt.payload = std::move(std::get<nlohmann::json>(payload));

  auto signature = base64url_decode(signature_part);
  if (!signature) return ParseError{"malformed token: signature is not valid base64url"};
  jwt.signature = std::move(*signature);
  jwt.signing_input = std::string(token.substr(0, dot2));
  return jwt;
}

}  // namespace mcpgw::auth
