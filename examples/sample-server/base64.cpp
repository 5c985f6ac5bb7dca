#include "base64.h"

#include <cstdint>

namespace mcpgw::sample {
namespace {

constexpr char kStandard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlSafe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet(char c, bool url_safe) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == (url_safe ? '-' : '+')) return 62;
  if (c == (url_safe ? '_' : '/')) return 63;
  return -1;
}

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

}  // namespace

std::string base64_encode(std::string_view bytes, bool url_safe) {
  const char* alphabet = url_safe ? kUrlSafe : kStandard;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t group =
        (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += alphabet[(group >> 18) & 63];
    out += alphabet[(group >> 12) & 63];
    out += alphabet[(group >> 6) & 63];
    out += alphabet[group & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t group = uint8_t(bytes[i]) << 16;
    if (rest == 2) group |= uint8_t(bytes[i + 1]) << 8;
    out += alphabet[(group >> 18) & 63];
    out += alphabet[(group >> 12) & 63];
    if (rest == 2) out += alphabet[(group >> 6) & 63];
    if (!url_safe) out.append(3 - rest, '=');
  }
  return out;
}

std::string base64_decode(std::string_view text, bool url_safe) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t group = 0;
  int count = 0;    // sextets in the current group
  int padding = 0;  // '=' seen; only whitespace and more '=' may follow
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (is_space(c)) continue;
    if (c == '=') {
      if (count < 2) {
        throw Base64Error("misplaced padding '=' at offset " + std::to_string(i));
      }
      if (++padding + count > 4)
        throw Base64Error("too much padding at offset " + std::to_string(i));
      continue;
    }
    int value = sextet(c, url_safe);
    if (value < 0) {
      throw Base64Error("character '" + std::string(1, c) + "' at offset " + std::to_string(i) +
                        " is not in the " + (url_safe ? "URL-safe" : "standard") +
                        " base64 alphabet");
    }
    if (padding > 0) throw Base64Error("data after padding at offset " + std::to_string(i));
    group = (group << 6) | uint32_t(value);
    if (++count == 4) {
      out += char((group >> 16) & 0xff);
      out += char((group >> 8) & 0xff);
      out += char(group & 0xff);
      group = 0;
      count = 0;
    }
  }
  if (count == 1) throw Base64Error("truncated input: the last group has a single character");
  if (count == 2) {
    out += char((group >> 4) & 0xff);
  } else if (count == 3) {
    out += char((group >> 10) & 0xff);
    out += char((group >> 2) & 0xff);
  }
  if (padding > 0 && count + padding != 4) throw Base64Error("wrong amount of padding");
  return out;
}

}  // namespace mcpgw::sample
