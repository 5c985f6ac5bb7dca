#include "policy/rego/builtins/codec.h"

#include <array>
#include <cstdio>

namespace mcpgw::policy::rego::builtins {
namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::array<int8_t, 256> decode_map(const char* alphabet) {
  std::array<int8_t, 256> m{};
  m.fill(-1);
  for (int i = 0; i < 64; ++i) m[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
  return m;
}

std::string corrupt(size_t at) {
  return "illegal base64 data at input byte " + std::to_string(at);
}

}  // namespace

std::string base64_encode(std::string_view in, Base64Alphabet alphabet, bool pad) {
  const char* a = alphabet == Base64Alphabet::Standard ? kStd : kUrl;
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += a[v >> 18];
    out += a[(v >> 12) & 63];
    out += a[(v >> 6) & 63];
    out += a[v & 63];
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += a[v >> 18];
    out += a[(v >> 12) & 63];
    if (rest == 2) out += a[(v >> 6) & 63];
    if (pad) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

// Follows the structure of Go's encoding/base64 decodeQuantum so that error offsets agree.
std::optional<std::string> base64_decode(std::string_view src, Base64Alphabet alphabet, bool padded,
                                         std::string& error) {
  static const auto std_map = decode_map(kStd);
  static const auto url_map = decode_map(kUrl);
  const auto& map = alphabet == Base64Alphabet::Standard ? std_map : url_map;
  std::string out;
  size_t si = 0;
  while (true) {
    uint8_t dbuf[4] = {0, 0, 0, 0};
    size_t dlen = 4;
    bool done = false;
    for (size_t j = 0; j < 4; ++j) {
      if (si == src.size()) {
        if (j == 0) return out;
        if (j == 1 || padded) {
          error = corrupt(si - j);
          return std::nullopt;
        }
        dlen = j;
        done = true;
        break;
      }
      unsigned char in = static_cast<unsigned char>(src[si]);
      ++si;
      int8_t v = map[in];
      if (v >= 0) {
        dbuf[j] = static_cast<uint8_t>(v);
        continue;
      }
      if (in == '\n' || in == '\r') {
        --j;
        continue;
      }
      if (!padded || in != '=') {
        error = corrupt(si - 1);
        return std::nullopt;
      }
      // Padding: only after two or three symbols, and nothing but newlines after it.
      switch (j) {
        case 0:
        case 1:
          error = corrupt(si - 1);
          return std::nullopt;
        case 2:
          while (si < src.size() && (src[si] == '\n' || src[si] == '\r')) ++si;
          if (si == src.size()) {
            error = corrupt(src.size());
            return std::nullopt;
          }
          if (src[si] != '=') {
            error = corrupt(si - 1);
            return std::nullopt;
          }
          ++si;
          break;
      }
      while (si < src.size() && (src[si] == '\n' || src[si] == '\r')) ++si;
      if (si < src.size()) {
        error = corrupt(si);
        return std::nullopt;
      }
      dlen = j;
      done = true;
      break;
    }
    uint32_t val = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3];
    if (dlen >= 2) out += static_cast<char>(val >> 16);
    if (dlen >= 3) out += static_cast<char>((val >> 8) & 0xFF);
    if (dlen == 4) out += static_cast<char>(val & 0xFF);
    if (done) return out;
  }
}

std::string hex_encode(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view text, std::string& error) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  auto invalid = [&](char c) {
    char buf[64];
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) {
      std::snprintf(buf, sizeof buf, "encoding/hex: invalid byte: U+%04X '%c'", u, c);
    } else {
      std::snprintf(buf, sizeof buf, "encoding/hex: invalid byte: U+%04X", u);
    }
    error = buf;
    return std::nullopt;
  };
  std::string out;
  size_t i = 1;
  for (; i < text.size(); i += 2) {
    int a = nibble(text[i - 1]);
    int b = nibble(text[i]);
    if (a < 0) return invalid(text[i - 1]);
    if (b < 0) return invalid(text[i]);
    out += static_cast<char>((a << 4) | b);
  }
  if (text.size() % 2 == 1) {
    if (nibble(text[i - 1]) < 0) return invalid(text[i - 1]);
    error = "encoding/hex: odd length hex string";
    return std::nullopt;
  }
  return out;
}

}  // namespace mcpgw::policy::rego::builtins
