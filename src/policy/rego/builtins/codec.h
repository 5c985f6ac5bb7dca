// Byte codecs shared by the encoding, JWT and x509 families, with Go's error wording
// ("illegal base64 data at input byte N"), since OPA's messages come from Go's decoders.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mcpgw::policy::rego::builtins {

enum class Base64Alphabet { Standard, Url };

std::string base64_encode(std::string_view bytes, Base64Alphabet alphabet, bool pad);

// Decodes; nullopt with `error` like Go's base64 CorruptInputError. With `padded` the input
// must carry '=' padding (Go's StdEncoding/URLEncoding); without, it must not (Raw*Encoding).
// Newlines are ignored, as Go does.
std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet,
                                         bool padded, std::string& error);

std::string hex_encode(std::string_view bytes);
// Go's hex.DecodeString errors: "encoding/hex: invalid byte: U+0067 'g'", "... odd length hex
// string".
std::optional<std::string> hex_decode(std::string_view text, std::string& error);

}  // namespace mcpgw::policy::rego::builtins
