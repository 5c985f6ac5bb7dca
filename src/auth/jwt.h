// Splits a compact JWS (header.payload.signature) and decodes its parts. No verification here:
// this is the parser that sees untrusted bytes first (and the fuzz target).
#pragma once
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace mcpgw::auth {

struct ParsedJwt {
  std::string alg, kid, typ;
  nlohmann::json header, payload;  // both JSON objects
  std::string signing_input;       // "header.payload" as received: what the signature covers
  std::string signature;           // raw bytes
};

struct ParseError {
  std::string reason;  // e.g. "malformed token: header is not valid base64url"
};

// Parses a compact JWS. Rejects anything longer than max_bytes before looking at it.
std::variant<ParsedJwt, ParseError> parse_jwt(std::string_view token, std::size_t max_bytes);

// True if the token has the shape of a compact JWS (exactly two dots, only base64url chars).
bool looks_like_jwt(std::string_view token);

}  // namespace mcpgw::auth
