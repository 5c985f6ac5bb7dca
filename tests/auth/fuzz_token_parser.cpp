// libFuzzer target: the JWT parser (base64url + JSON) sees attacker bytes first. Any crash,
// leak or sanitizer report is a bug. Built with -DMCPGW_FUZZ=ON and clang++.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/base64url.h"
#include "auth/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto result = mcpgw::auth::parse_jwt(input, 8192);
  if (auto* jwt = std::get_if<mcpgw::auth::ParsedJwt>(&result)) {
    // A parsed token round-trips its signature through the encoder.
    auto again = mcpgw::auth::base64url_decode(mcpgw::auth::base64url_encode(jwt->signature));
    if (!again || *again != jwt->signature) __builtin_trap();
  }
  auto decoded = mcpgw::auth::base64url_decode(input);
  if (decoded && mcpgw::auth::base64url_encode(*decoded) != input) __builtin_trap();
  return 0;
}
