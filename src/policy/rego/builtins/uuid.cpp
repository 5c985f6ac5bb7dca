// uuid.rfc4122 (a random version 4 UUID, the same for the same key within one query),
// uuid.parse, and rand.intn (likewise fixed per query for the same arguments).
#include <openssl/rand.h>

#include <cstdio>
#include <random>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

// Random bytes: from the query's seed when one is fixed (reproducible tests), else OpenSSL.
void random_bytes(BuiltinContext& ctx, const std::string& key, unsigned char* out, size_t n) {
  if (ctx.seed != 0) {
    std::seed_seq seq{static_cast<uint32_t>(ctx.seed), static_cast<uint32_t>(ctx.seed >> 32),
                      static_cast<uint32_t>(std::hash<std::string>{}(key))};
    std::mt19937_64 gen(seq);
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(gen());
    return;
  }
  if (RAND_bytes(out, static_cast<int>(n)) != 1) fail("uuid.rfc4122", "no random bytes available");
}

// Looks up or stores a per-query result under `key`.
template <typename Make>
Value memoized(BuiltinContext& ctx, const std::string& key, Make make) {
  if (ctx.memo) {
    auto it = ctx.memo->find(key);
    if (it != ctx.memo->end()) return it->second;
  }
  Value v = make();
  if (ctx.memo) ctx.memo->emplace(key, v);
  return v;
}

Value rfc4122(Args a, BuiltinContext& ctx) {
  const std::string& k = str_arg("uuid.rfc4122", a, 1);
  std::string key = "uuid.rfc4122\x1f" + k;
  return memoized(ctx, key, [&] {
    unsigned char b[16];
    random_bytes(ctx, key, b, sizeof b);
    b[6] = (b[6] & 0x0F) | 0x40;  // version 4
    b[8] = (b[8] & 0x3F) | 0x80;  // RFC 4122 variant
    char buf[37];
    std::snprintf(buf, sizeof buf,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return str(buf);
  });
}

std::optional<std::array<unsigned char, 16>> parse_uuid(std::string_view s) {
  if (s.size() == 45 && s.substr(0, 9) == "urn:uuid:")
    s.remove_prefix(9);
  else if (s.size() == 38 && s.front() == '{' && s.back() == '}')
    s = s.substr(1, 36);
  std::string hex;
  if (s.size() == 36) {
    for (size_t i : {8u, 13u, 18u, 23u})
      if (s[i] != '-') return std::nullopt;
    for (size_t i = 0; i < s.size(); ++i)
      if (i != 8 && i != 13 && i != 18 && i != 23) hex += s[i];
  } else if (s.size() == 32) {
    hex = std::string(s);
  } else {
    return std::nullopt;
  }
  std::array<unsigned char, 16> out{};
  for (size_t i = 0; i < 16; ++i) {
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = nib(hex[2 * i]), lo = nib(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return out;
}

Value uuid_parse(Args a, BuiltinContext&) {
  const std::string& s = str_arg("uuid.parse", a, 1);
  auto u = parse_uuid(s);
  if (!u) fail("uuid.parse", "invalid UUID \"" + s + "\"");
  const auto& b = *u;
  std::vector<ObjectEntry> out;
  int version = b[6] >> 4;
  std::string variant;
  if ((b[8] & 0x80) == 0)
    variant = "Reserved";
  else if ((b[8] & 0xC0) == 0x80)
    variant = "RFC4122";
  else if ((b[8] & 0xE0) == 0xC0)
    variant = "Microsoft";
  else
    variant = "Future";
  out.emplace_back(str("version"), Value::integer(version));
  out.emplace_back(str("variant"), str(variant));
  if (version == 1 || version == 2) {
    // The 60-bit count of 100 ns intervals since 1582-10-15, as Unix nanoseconds.
    int64_t t = (static_cast<int64_t>(b[0]) << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    t |= static_cast<int64_t>((b[4] << 8) | b[5]) << 32;
    t |= static_cast<int64_t>(((b[6] << 8) | b[7]) & 0x0FFF) << 48;
    constexpr int64_t kGregorianToUnix = 0x01B21DD213814000;
    out.emplace_back(str("time"), Value::integer((t - kGregorianToUnix) * 100));
    out.emplace_back(str("clocksequence"), Value::integer(((b[8] << 8) | b[9]) & 0x3FFF));
    char node[18];
    std::snprintf(node, sizeof node, "%02x-%02x-%02x-%02x-%02x-%02x", b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    out.emplace_back(str("nodeid"), str(node));
    std::string mac = (b[10] & 0x02) ? "local" : "global";
    mac += (b[10] & 0x01) ? ":multicast" : ":unicast";
    out.emplace_back(str("macvariables"), str(mac));
    if (version == 2) {
      uint32_t id = (static_cast<uint32_t>(b[0]) << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
      out.emplace_back(str("id"), Value::integer(id));
      static const char* domains[] = {"Person", "Group", "Org"};
      out.emplace_back(str("domain"),
                       str(b[9] < 3 ? domains[b[9]] : "Domain" + std::to_string(b[9])));
    }
  }
  return Value::object(std::move(out));
}

Value rand_intn(Args a, BuiltinContext& ctx) {
  const std::string& k = str_arg("rand.intn", a, 1);
  int64_t n = int_arg("rand.intn", a, 2);
  if (n == 0) return Value::integer(0);
  if (n < 0) n = -n;
  std::string key = "rand.intn\x1f" + k + "\x1f" + std::to_string(n);
  return memoized(ctx, key, [&] {
    unsigned char b[8];
    random_bytes(ctx, key, b, sizeof b);
    uint64_t v = 0;
    for (unsigned char c : b) v = (v << 8) | c;
    return Value::integer(static_cast<int64_t>(v % static_cast<uint64_t>(n)));
  });
}

}  // namespace

void register_uuid_builtins(Registry& r) {
  def(r, "uuid.rfc4122", {kString}, rfc4122, {kString, false, /*nondeterministic=*/true});
  def(r, "uuid.parse", {kString}, uuid_parse, {kObject});
  def(r, "rand.intn", {kString, kNumber}, rand_intn, {kNumber, false, /*nondeterministic=*/true});
}

}  // namespace mcpgw::policy::rego
