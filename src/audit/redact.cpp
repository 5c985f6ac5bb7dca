#include "audit/redact.h"

#include <array>
#include <cmath>

namespace mcpgw::audit {
namespace {

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_b64url(char c) {
  return is_upper(c) || is_lower(c) || is_digit(c) || c == '-' || c == '_';
}

// Characters that end a token: whitespace, quotes and the punctuation that surrounds values
// in headers, URLs, JSON-in-strings and command lines.
bool is_separator(char c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '"':
    case '\'':
    case ',':
    case ';':
    case '=':
    case ':':
    case '?':
    case '&':
    case '<':
    case '>':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '`':
    case '@':
      return true;
    default:
      return false;
  }
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}

double shannon_bits_per_char(std::string_view s) {
  std::array<int, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0;
  for (int n : counts) {
    if (n == 0) continue;
    double p = static_cast<double>(n) / s.size();
    h -= p * std::log2(p);
  }
  return h;
}

bool looks_like_jwt(std::string_view t) {
  if (!starts_with(t, "eyJ") || t.size() < 20) return false;
  int dots = 0;
  for (char c : t) {
    if (c == '.')
      ++dots;
    else if (!is_b64url(c) && c != '=')
      return false;
  }
  return dots == 2;
}

// A vendor prefix followed by at least `min_rest` key characters.
bool prefixed_key(std::string_view t, std::string_view prefix, size_t min_rest) {
  if (!starts_with(t, prefix) || t.size() < prefix.size() + min_rest) return false;
  return all_of(t.substr(prefix.size()), [](char c) { return is_b64url(c) || c == '.'; });
}

bool looks_like_aws_key_id(std::string_view t) {
  if (t.size() != 20 || !(starts_with(t, "AKIA") || starts_with(t, "ASIA"))) return false;
  return all_of(t, [](char c) { return is_upper(c) || is_digit(c); });
}

bool high_entropy(std::string_view t) {
  if (t.size() >= 40 && all_of(t, is_hex)) {
    bool letter = false, digit = false;
    for (char c : t) (is_digit(c) ? digit : letter) = true;
    return letter && digit;
  }
  if (t.size() < 32) return false;
  bool upper = false, lower = false, digit = false;
  for (char c : t) {
    if (is_upper(c))
      upper = true;
    else if (is_lower(c))
      lower = true;
    else if (is_digit(c))
      digit = true;
    else if (c != '+' && c != '/' && c != '-' && c != '_' && c != '.' && c != '~')
      return false;
  }
  return upper && lower && digit && shannon_bits_per_char(t) >= 4.0;
}

// Key names whose string value is a secret whatever it looks like. Compared after lower-casing
// and dropping '-' and '_': "API-Key", "api_key" and "apiKey" are all "apikey".
bool secret_key_name(std::string_view key) {
  std::string k;
  k.reserve(key.size());
  for (char c : key) {
    if (c == '-' || c == '_') continue;
    k.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  static constexpr std::string_view exact[] = {
      "authorization", "proxyauthorization", "cookie", "setcookie",
      "credential",    "credentials",        "pwd"};
  for (auto e : exact)
    if (k == e) return true;
  static constexpr std::string_view suffixes[] = {
      "password", "passwd", "secret", "token", "apikey", "privatekey", "accesskey", "passphrase"};
  for (auto s : suffixes)
    if (k.size() >= s.size() && std::string_view(k).substr(k.size() - s.size()) == s) return true;
  return false;
}

// Removes PEM blocks ("-----BEGIN X-----" … "-----END X-----"; an unterminated block runs to
// the end of the text).
std::string strip_pem(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t begin = text.find("-----BEGIN ", pos);
    if (begin == std::string_view::npos) break;
    out.append(text.substr(pos, begin - pos));
    out.append(kRedacted);
    size_t end = text.find("-----END ", begin);
    if (end == std::string_view::npos) return out;
    size_t close = text.find("-----", end + 9);
    pos = close == std::string_view::npos ? text.size() : close + 5;
  }
  out.append(text.substr(pos));
  return out;
}

void redact_by_rules(nlohmann::json& node) {
  if (node.is_string()) {
    const auto& s = node.get_ref<const std::string&>();
    std::string r = redact_string(s);
    if (r != s) node = std::move(r);
  } else if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.value().is_string() && secret_key_name(it.key()))
        it.value() = kRedacted;
      else
        redact_by_rules(it.value());
    }
  } else if (node.is_array()) {
    for (auto& v : node) redact_by_rules(v);
  }
}

void redact_named_anywhere(nlohmann::json& node, const std::string& name) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == name)
        it.value() = kRedacted;
      else
        redact_named_anywhere(it.value(), name);
    }
  } else if (node.is_array()) {
    for (auto& v : node) redact_named_anywhere(v, name);
  }
}

void redact_path(nlohmann::json& node, std::string_view path) {
  size_t dot = path.find('.');
  std::string head(path.substr(0, dot));
  if (!node.is_object()) return;
  auto it = node.find(head);
  if (it == node.end()) return;
  if (dot == std::string_view::npos)
    *it = kRedacted;
  else
    redact_path(*it, path.substr(dot + 1));
}

}  // namespace

bool looks_like_secret(std::string_view t) {
  return looks_like_jwt(t) || prefixed_key(t, "sk-", 16) || prefixed_key(t, "sk_live_", 10) ||
         prefixed_key(t, "sk_test_", 10) || prefixed_key(t, "rk_live_", 10) ||
         looks_like_aws_key_id(t) || prefixed_key(t, "ghp_", 20) || prefixed_key(t, "gho_", 20) ||
         prefixed_key(t, "ghs_", 20) || prefixed_key(t, "ghu_", 20) ||
         prefixed_key(t, "github_pat_", 20) || prefixed_key(t, "xoxb-", 10) ||
         prefixed_key(t, "xoxp-", 10) || prefixed_key(t, "xoxa-", 10) ||
         prefixed_key(t, "glpat-", 16) || prefixed_key(t, "AIza", 30) || high_entropy(t);
}

std::string redact_string(std::string_view input) {
  std::string pem_free;
  std::string_view text = input;
  if (input.find("-----BEGIN ") != std::string_view::npos) {
    pem_free = strip_pem(input);
    text = pem_free;
  }
  std::string out;
  out.reserve(text.size());
  bool changed = !pem_free.empty();
  std::string_view previous_word;
  size_t i = 0;
  while (i < text.size()) {
    if (is_separator(text[i])) {
      out.push_back(text[i++]);
      continue;
    }
    size_t start = i;
    while (i < text.size() && !is_separator(text[i])) ++i;
    std::string_view token = text.substr(start, i - start);
    bool after_scheme = iequals(previous_word, "bearer") || iequals(previous_word, "basic");
    if (token != kRedacted && (after_scheme || looks_like_secret(token))) {
      out.append(kRedacted);
      changed = true;
    } else {
      out.append(token);
    }
    previous_word = token;
  }
  return changed ? out : std::string(input);
}

void redact(nlohmann::json& arguments, const std::vector<std::string>& fields) {
  for (const auto& f : fields) {
    if (f.empty()) continue;
    if (f.find('.') == std::string::npos)
      redact_named_anywhere(arguments, f);
    else
      redact_path(arguments, f);
  }
  redact_by_rules(arguments);
}

}  // namespace mcpgw::audit
