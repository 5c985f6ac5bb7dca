// io.jwt.* built-ins: decode, verify_{hs,rs,ps,es}{256,384,512} and verify_eddsa,
// decode_verify (signature plus exp/nbf/iss/aud checks), encode_sign and encode_sign_raw.
#include <algorithm>
#include <chrono>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"
#include "policy/rego/builtins/codec.h"
#include "policy/rego/builtins/jose.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

struct Parts {
  std::string header_b64, payload_b64, signature_b64;
};

Parts split_token(const char* fn, const std::string& token) {
  size_t dots = std::count(token.begin(), token.end(), '.');
  if (dots == 0) fail(fn, "encoded JWT had no period separators");
  if (dots != 2) fail(fn, "encoded JWT must have 3 sections, found " + std::to_string(dots + 1));
  size_t a = token.find('.');
  size_t b = token.find('.', a + 1);
  return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

std::string b64url_decode(const char* fn, std::string s, const char* what) {
  while (!s.empty() && s.back() == '=') s.pop_back();
  std::string error;
  auto out = base64_decode(s, Base64Alphabet::Url, /*padded=*/false, error);
  if (!out) fail(fn, std::string("JWT ") + what + " had invalid encoding: " + error);
  return *out;
}

std::string b64url(std::string_view bytes) {
  return base64_encode(bytes, Base64Alphabet::Url, false);
}

Value json_object(const char* fn, const std::string& text, const char* what) {
  Value v;
  try {
    v = Value::from_json(text);
  } catch (const JsonError& e) {
    fail(fn, std::string("JWT ") + what + " is not valid JSON: " + e.what());
  }
  if (!v.is_object()) fail(fn, std::string("JWT ") + what + " is not a JSON object");
  return v;
}

std::string header_string(const Value& header, const char* name) {
  const Value* v = header.find(name);
  return v && v->is_string() ? v->as_string() : std::string();
}

struct Decoded {
  Value header, payload;
  std::string signature;      // raw bytes
  std::string signing_input;  // "header.payload" as sent
};

// One level of a compact JWS. A nested token (cty "JWT") is returned with `inner` set.
Decoded decode_level(const char* fn, const std::string& token, std::optional<std::string>& inner) {
  Parts p = split_token(fn, token);
  Decoded d;
  d.header = json_object(fn, b64url_decode(fn, p.header_b64, "header"), "header");
  if (d.header.find("enc")) fail(fn, "JWT is a JWE object, which is not supported");
  std::string payload = b64url_decode(fn, p.payload_b64, "payload");
  d.signature = b64url_decode(fn, p.signature_b64, "signature");
  d.signing_input = p.header_b64 + "." + p.payload_b64;
  inner.reset();
  if (header_string(d.header, "cty") == "JWT") {
    // The payload is the inner token, usually as a JSON string.
    std::string t = payload;
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
    inner = t;
    return d;
  }
  d.payload = json_object(fn, payload, "payload");
  return d;
}

Value decode(Args a, BuiltinContext&) {
  const char* fn = "io.jwt.decode";
  std::string token = str_arg(fn, a, 1);
  std::optional<std::string> inner;
  for (int depth = 0; depth < 16; ++depth) {
    Decoded d = decode_level(fn, token, inner);
    if (!inner) return Value::array({d.header, d.payload, str(hex_encode(d.signature))});
    token = *inner;
  }
  fail(fn, "JWT nested too deeply");
}

// io.jwt.verify_<alg>(token, key): the signature only, with no claim checks.
Value verify_with(const char* fn, const std::string& alg, Args a) {
  const std::string& token = str_arg(fn, a, 1);
  const std::string& key_text = str_arg(fn, a, 2);
  Parts p = split_token(fn, token);
  std::string signature = b64url_decode(fn, p.signature_b64, "signature");
  std::string input = p.header_b64 + "." + p.payload_b64;
  if (alg[0] == 'H') {
    JoseKey k;
    k.is_secret = true;
    k.secret = key_text;
    return Value::boolean(jws_verify(alg, input, signature, k));
  }
  std::string error;
  auto keys = verification_keys(key_text, error);
  if (!keys) fail(fn, error);
  for (const auto& k : *keys)
    if (jws_verify(alg, input, signature, k)) return Value::boolean(true);
  return Value::boolean(false);
}

// Exact decimal comparison of seconds * 1e9 with nanoseconds, since claims and times may be
// floats with more digits than a double keeps ("nbf": 1589385770.1234).
struct Decimal {
  bool neg = false;
  std::string digits;  // no leading zeros; "" for zero
  int exp = 0;         // value = digits * 10^exp
};

Decimal to_decimal(const Value& n, int shift) {
  std::string t = n.number_text();
  Decimal d;
  size_t i = 0;
  if (i < t.size() && t[i] == '-') {
    d.neg = true;
    ++i;
  }
  int frac = 0;
  bool after_dot = false;
  for (; i < t.size() && t[i] != 'e' && t[i] != 'E'; ++i) {
    if (t[i] == '.') {
      after_dot = true;
      continue;
    }
    d.digits += t[i];
    if (after_dot) ++frac;
  }
  int e = i < t.size() ? std::atoi(t.c_str() + i + 1) : 0;
  d.exp = e - frac + shift;
  size_t nz = d.digits.find_first_not_of('0');
  d.digits = nz == std::string::npos ? "" : d.digits.substr(nz);
  if (d.digits.empty()) d.neg = false;
  return d;
}

int compare_decimal(Decimal a, Decimal b) {
  if (a.digits.empty() && b.digits.empty()) return 0;
  if (a.neg != b.neg) return a.neg ? -1 : 1;
  int sign = a.neg ? -1 : 1;
  if (a.digits.empty()) return -sign;
  if (b.digits.empty()) return sign;
  long ma = static_cast<long>(a.digits.size()) + a.exp;  // magnitude: digits before the point
  long mb = static_cast<long>(b.digits.size()) + b.exp;
  if (ma != mb) return ma < mb ? -sign : sign;
  size_t n = std::max(a.digits.size(), b.digits.size());
  a.digits.resize(n, '0');
  b.digits.resize(n, '0');
  int c = a.digits.compare(b.digits);
  return c == 0 ? 0 : (c < 0 ? -sign : sign);
}

Value decode_verify(Args a, BuiltinContext& ctx) {
  const char* fn = "io.jwt.decode_verify";
  std::string token = str_arg(fn, a, 1);
  const Value& constraints = kind_arg(fn, a, 2, Kind::Object);
  std::optional<std::string> cert, secret, want_alg, want_iss, want_aud;
  std::optional<Value> time;
  for (const auto& [k, v] : constraints.entries()) {
    std::string key = k.is_string() ? k.as_string() : k.to_json();
    auto need_string = [&]() -> std::string {
      if (!v.is_string()) fail(fn, "constraint \"" + key + "\" must be a string");
      return v.as_string();
    };
    if (key == "cert")
      cert = need_string();
    else if (key == "secret")
      secret = need_string();
    else if (key == "alg")
      want_alg = need_string();
    else if (key == "iss")
      want_iss = need_string();
    else if (key == "aud")
      want_aud = need_string();
    else if (key == "time") {
      if (!v.is_number()) fail(fn, "constraint \"time\" must be a number");
      time = v;
    } else {
      fail(fn, "unknown token validation constraint: " + key);
    }
  }
  std::vector<JoseKey> keys;
  if (cert) {
    std::string error;
    auto parsed = verification_keys(*cert, error);
    if (!parsed) fail(fn, error);
    keys = std::move(*parsed);
  }
  if (secret) {
    JoseKey k;
    k.is_secret = true;
    k.secret = *secret;
    keys.push_back(std::move(k));
  }
  if (keys.empty()) fail(fn, "constraints must include \"cert\" or \"secret\"");
  const Value invalid = Value::array({Value::boolean(false), Value::object({}), Value::object({})});

  Decoded d;
  std::optional<std::string> inner;
  for (int depth = 0;; ++depth) {
    if (depth >= 16) fail(fn, "JWT nested too deeply");
    d = decode_level(fn, token, inner);
    std::string alg = header_string(d.header, "alg");
    if (alg.empty() || d.header.find("crit")) return invalid;
    if (want_alg && alg != *want_alg) return invalid;
    bool verified = false;
    for (const auto& k : keys) {
      if (!k.alg.empty() && k.alg != alg) continue;
      if (jws_verify(alg, d.signing_input, d.signature, k)) {
        verified = true;
        break;
      }
    }
    if (!verified) return invalid;
    if (!inner) break;
    token = *inner;
  }

  const Value& payload = d.payload;
  Value now = time ? *time
                   : Value::integer(ctx.now_ns != 0
                                        ? ctx.now_ns
                                        : std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  if (const Value* exp = payload.find("exp")) {
    if (!exp->is_number()) fail(fn, "exp value must be a number");
    if (compare_decimal(to_decimal(now, 0), to_decimal(*exp, 9)) >= 0) return invalid;
  }
  if (const Value* nbf = payload.find("nbf")) {
    if (!nbf->is_number()) fail(fn, "nbf value must be a number");
    if (compare_decimal(to_decimal(now, 0), to_decimal(*nbf, 9)) < 0) return invalid;
  }
  if (want_iss) {
    const Value* iss = payload.find("iss");
    if (!iss || !iss->is_string() || iss->as_string() != *want_iss) return invalid;
  }
  const Value* aud = payload.find("aud");
  if (want_aud) {
    bool ok = false;
    if (aud && aud->is_string()) ok = aud->as_string() == *want_aud;
    if (aud && aud->is_array()) {
      for (const auto& x : aud->items()) ok = ok || (x.is_string() && x.as_string() == *want_aud);
    }
    if (!ok) return invalid;
  } else if (aud) {
    return invalid;  // a token for a named audience is not valid for an unnamed one
  }
  return Value::array({Value::boolean(true), d.header, payload});
}

std::string sign_compact(const char* fn, const std::string& header_json, const std::string& payload,
                         const std::string& alg, const JoseKey& key) {
  std::string input = b64url(header_json) + "." + b64url(payload);
  std::string error;
  auto sig = jws_sign(alg, input, key, error);
  if (!sig) fail(fn, error);
  return input + "." + b64url(*sig);
}

Value encode_sign(Args a, BuiltinContext&) {
  const char* fn = "io.jwt.encode_sign";
  const Value& header = kind_arg(fn, a, 1, Kind::Object);
  const Value& payload = kind_arg(fn, a, 2, Kind::Object);
  const Value& jwk = kind_arg(fn, a, 3, Kind::Object);
  std::string alg = header_string(header, "alg");
  if (alg.empty()) fail(fn, "missing or invalid 'alg' header");
  if (!known_jws_alg(alg)) fail(fn, "unknown JWS algorithm: " + alg);
  std::string error;
  auto key = key_from_jwk(jwk, error);
  if (!key) fail(fn, "invalid key: " + error);
  return str(sign_compact(fn, header.to_json(), payload.to_json(), alg, *key));
}

Value encode_sign_raw(Args a, BuiltinContext&) {
  const char* fn = "io.jwt.encode_sign_raw";
  const std::string& header_text = str_arg(fn, a, 1);
  const std::string& payload_text = str_arg(fn, a, 2);
  const std::string& key_text = str_arg(fn, a, 3);
  if (header_text.empty())
    fail(fn, "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string");
  Value header;
  try {
    header = Value::from_json(header_text);
  } catch (const JsonError&) {
    // Text that does not even start an object reads as having no "alg", as OPA reports it.
    if (header_text.find_first_not_of(" \t\r\n") != std::string::npos &&
        header_text[header_text.find_first_not_of(" \t\r\n")] == '{')
      fail(fn, "missing or invalid 'alg' header: cannot parse JSON");
    fail(fn, "missing or invalid 'alg' header: jwsbb: header \"alg\" not found");
  }
  std::string alg = header.is_object() ? header_string(header, "alg") : "";
  if (alg.empty()) fail(fn, "missing or invalid 'alg' header: jwsbb: header \"alg\" not found");
  if (!known_jws_alg(alg)) fail(fn, "unknown JWS algorithm: " + alg);
  if (header_string(header, "typ") == "JWT") {
    bool json = true;
    try {
      Value::from_json(payload_text);
    } catch (const JsonError&) {
      json = false;
    }
    if (!json) fail(fn, "type is JWT but payload is not JSON");
  }
  Value jwk;
  try {
    jwk = Value::from_json(key_text);
  } catch (const JsonError& e) {
    fail(fn, std::string("invalid key: ") + e.what());
  }
  std::string error;
  auto key = key_from_jwk(jwk, error);
  if (!key) fail(fn, "invalid key: " + error);
  return str(sign_compact(fn, header_text, payload_text, alg, *key));
}

}  // namespace

void register_jwt_builtins(Registry& r) {
  def(r, "io.jwt.decode", {kString}, decode, {kArray});
  for (const char* alg : {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384",
                          "PS512", "ES256", "ES384", "ES512", "EdDSA"}) {
    std::string lower = alg;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string name = "io.jwt.verify_" + lower;
    std::string alg_name = alg;
    def(r, name, {kString, kString},
        [name, alg_name](Args a, BuiltinContext&) {
          return verify_with(name.c_str(), alg_name, a);
        },
        {kBoolean});
  }
  def(r, "io.jwt.decode_verify", {kString, kObject}, decode_verify,
      {kArray, false, /*nondeterministic=*/true});
  def(r, "io.jwt.encode_sign", {kObject, kObject, kObject}, encode_sign, {kString, false, true});
  def(r, "io.jwt.encode_sign_raw", {kString, kString, kString}, encode_sign_raw,
      {kString, false, true});
}

}  // namespace mcpgw::policy::rego
