// net.cidr_* built-ins: contains, intersects, contains_matches, expand, is_valid, merge.
// Addresses are handled as 128-bit integers with a family tag; parsing follows Go's net package
// (ParseIP / ParseCIDR), including Go's classful default mask for bare IPv4 in cidr_merge.
#include <arpa/inet.h>

#include <algorithm>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

using u128 = unsigned __int128;

struct Net {
  bool v6 = false;
  u128 addr = 0;  // the address as written
  int prefix = 0;
  int bits() const { return v6 ? 128 : 32; }
  u128 mask() const {
    if (prefix == 0) return 0;
    u128 all = v6 ? ~static_cast<u128>(0) : static_cast<u128>(0xFFFFFFFFu);
    return all & ~((static_cast<u128>(1) << (bits() - prefix)) - 1) & all;
  }
  u128 first() const { return addr & mask(); }
  u128 last() const {
    u128 host = prefix == bits() ? 0 : (static_cast<u128>(1) << (bits() - prefix)) - 1;
    return first() | host;
  }
  bool contains(bool other_v6, u128 ip) const { return v6 == other_v6 && (ip & mask()) == first(); }
};

// Dotted quad with Go's strictness (no leading zeros, each part 0..255), or IPv6.
std::optional<std::pair<bool, u128>> parse_ip(const std::string& s) {
  if (s.find(':') == std::string::npos) {
    u128 v = 0;
    int parts = 0;
    size_t i = 0;
    while (parts < 4) {
      size_t start = i;
      int n = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 3)
        n = n * 10 + (s[i++] - '0');
      if (i == start || n > 255 || (i - start > 1 && s[start] == '0')) return std::nullopt;
      v = (v << 8) | static_cast<unsigned>(n);
      ++parts;
      if (parts < 4) {
        if (i >= s.size() || s[i] != '.') return std::nullopt;
        ++i;
      }
    }
    if (i != s.size()) return std::nullopt;
    return std::make_pair(false, v);
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, s.c_str(), &a6) != 1) return std::nullopt;
  u128 v = 0;
  for (unsigned char b : a6.s6_addr) v = (v << 8) | b;
  return std::make_pair(true, v);
}

std::optional<Net> parse_cidr(const std::string& s) {
  size_t slash = s.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto ip = parse_ip(s.substr(0, slash));
  if (!ip) return std::nullopt;
  std::string p = s.substr(slash + 1);
  if (p.empty() || p.size() > 3 || !std::all_of(p.begin(), p.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      }))
    return std::nullopt;
  if (p.size() > 1 && p[0] == '0') return std::nullopt;
  Net n{ip->first, ip->second, std::stoi(p)};
  if (n.prefix > n.bits()) return std::nullopt;
  return n;
}

Net cidr_arg(const char* fn, const std::string& s) {
  auto n = parse_cidr(s);
  if (!n) fail(fn, "invalid CIDR address: " + s);
  return *n;
}

std::string format_ip(bool v6, u128 v) {
  if (!v6) {
    uint32_t x = static_cast<uint32_t>(v);
    return std::to_string(x >> 24) + "." + std::to_string((x >> 16) & 255) + "." +
           std::to_string((x >> 8) & 255) + "." + std::to_string(x & 255);
  }
  in6_addr a6;
  for (int i = 15; i >= 0; --i) {
    a6.s6_addr[i] = static_cast<unsigned char>(v & 0xFF);
    v >>= 8;
  }
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &a6, buf, sizeof buf);
  return buf;
}

std::string format_net(const Net& n) {
  return format_ip(n.v6, n.first()) + "/" + std::to_string(n.prefix);
}

Value cidr_contains(Args a, BuiltinContext&) {
  const char* fn = "net.cidr_contains";
  Net outer = cidr_arg(fn, str_arg(fn, a, 1));
  const std::string& inner = str_arg(fn, a, 2);
  if (auto ip = parse_ip(inner)) return Value::boolean(outer.contains(ip->first, ip->second));
  Net n = cidr_arg(fn, inner);
  return Value::boolean(outer.contains(n.v6, n.first()) && outer.contains(n.v6, n.last()));
}

Value cidr_intersects(Args a, BuiltinContext&) {
  const char* fn = "net.cidr_intersects";
  Net x = cidr_arg(fn, str_arg(fn, a, 1));
  Net y = cidr_arg(fn, str_arg(fn, a, 2));
  return Value::boolean(x.contains(y.v6, y.first()) || y.contains(x.v6, x.first()));
}

// (key, address text) pairs of a cidr_contains_matches operand.
std::vector<std::pair<Value, std::string>> match_items(const char* fn, const Value& v, int pos) {
  auto text_of = [&](const Value& e) -> std::string {
    if (e.is_string()) return e.as_string();
    if (e.is_array() && e.size() > 0 && e.items()[0].is_string()) return e.items()[0].as_string();
    fail(fn, "operand " + std::to_string(pos) + ": element must be string or non-empty array");
  };
  std::vector<std::pair<Value, std::string>> out;
  if (v.is_string()) {
    out.emplace_back(v, v.as_string());
  } else if (v.is_array()) {
    int64_t i = 0;
    for (const auto& e : v.items()) out.emplace_back(Value::integer(i++), text_of(e));
  } else if (v.is_set()) {
    for (const auto& e : v.items()) out.emplace_back(e, text_of(e));
  } else if (v.is_object()) {
    for (const auto& [k, e] : v.entries()) out.emplace_back(k, text_of(e));
  } else {
    fail_type(fn, pos, "one of {string, array, set, object}", v);
  }
  return out;
}

Value cidr_contains_matches(Args a, BuiltinContext&) {
  const char* fn = "net.cidr_contains_matches";
  auto cidrs = match_items(fn, a[0], 1);
  auto targets = match_items(fn, a[1], 2);
  std::vector<Value> out;
  for (const auto& [ck, ctext] : cidrs) {
    Net n = cidr_arg(fn, ctext);
    for (const auto& [tk, ttext] : targets) {
      bool hit;
      if (auto ip = parse_ip(ttext)) {
        hit = n.contains(ip->first, ip->second);
      } else {
        Net t = cidr_arg(fn, ttext);
        hit = n.contains(t.v6, t.first()) && n.contains(t.v6, t.last());
      }
      if (hit) out.push_back(Value::array({ck, tk}));
    }
  }
  return Value::set(std::move(out));
}

Value cidr_expand(Args a, BuiltinContext&) {
  const char* fn = "net.cidr_expand";
  Net n = cidr_arg(fn, str_arg(fn, a, 1));
  if (n.bits() - n.prefix > 16) fail(fn, "CIDR too large to expand (more than 65536 addresses)");
  std::vector<Value> out;
  for (u128 ip = n.first();; ++ip) {
    out.push_back(str(format_ip(n.v6, ip)));
    if (ip == n.last()) break;
  }
  return Value::set(std::move(out));
}

// Go's net.IP.DefaultMask: the classful prefix of a bare IPv4 address.
std::optional<int> default_prefix(u128 v) {
  unsigned first = static_cast<unsigned>(v >> 24) & 0xFF;
  if (first < 0x80) return 8;
  if (first < 0xC0) return 16;
  if (first < 0xE0) return 24;
  return std::nullopt;
}

Value cidr_merge(Args a, BuiltinContext&) {
  const char* fn = "net.cidr_merge";
  const Value& coll = a[0];
  if (!coll.is_array() && !coll.is_set()) fail_type(fn, 1, "one of {array, set}", coll);
  std::vector<Net> nets;
  for (const auto& e : coll.items()) {
    if (!e.is_string()) fail_type(fn, 1, "array of strings", coll);
    const std::string& s = e.as_string();
    if (auto n = parse_cidr(s)) {
      nets.push_back(*n);
      continue;
    }
    auto ip = parse_ip(s);
    if (!ip) fail(fn, "IP invalid: " + s);
    if (ip->first) fail(fn, "IPv6 invalid: needs prefix length");
    auto p = default_prefix(ip->second);
    if (!p) fail(fn, "IP invalid: " + s);
    nets.push_back(Net{false, ip->second, *p});
  }
  // Canonicalise, sort by (family, start, prefix), drop covered ranges, then join siblings
  // until nothing changes.
  for (auto& n : nets) n.addr = n.first();
  auto less = [](const Net& x, const Net& y) {
    if (x.v6 != y.v6) return !x.v6;
    if (x.addr != y.addr) return x.addr < y.addr;
    return x.prefix < y.prefix;
  };
  bool changed = true;
  while (changed) {
    changed = false;
    std::sort(nets.begin(), nets.end(), less);
    std::vector<Net> out;
    for (const auto& n : nets) {
      if (!out.empty() && out.back().v6 == n.v6 && out.back().contains(n.v6, n.first()) &&
          out.back().contains(n.v6, n.last())) {
        continue;  // already covered
      }
      if (!out.empty()) {
        Net& prev = out.back();
        if (prev.v6 == n.v6 && prev.prefix == n.prefix && prev.prefix > 0) {
          Net parent{prev.v6, prev.addr, prev.prefix - 1};
          parent.addr = parent.first();
          if (parent.first() == prev.first() && parent.last() == n.last()) {
            prev = parent;
            changed = true;
            continue;
          }
        }
      }
      out.push_back(n);
    }
    nets = std::move(out);
  }
  std::vector<Value> result;
  for (const auto& n : nets) result.push_back(str(format_net(n)));
  return Value::set(std::move(result));
}

}  // namespace

void register_net_builtins(Registry& r) {
  def(r, "net.cidr_contains", {kString, kString}, cidr_contains, {kBoolean});
  def(r, "net.cidr_intersects", {kString, kString}, cidr_intersects, {kBoolean});
  def(r, "net.cidr_contains_matches", {kString | kCollection, kString | kCollection},
      cidr_contains_matches, {kSet});
  def(r, "net.cidr_expand", {kString}, cidr_expand, {kSet});
  def(r, "net.cidr_is_valid", {kAny},
      [](Args a, BuiltinContext&) {
        return Value::boolean(a[0].is_string() && parse_cidr(a[0].as_string()).has_value());
      },
      {kBoolean});
  def(r, "net.cidr_merge", {kArray | kSet}, cidr_merge, {kSet});
  register_network_builtins(r);
}

}  // namespace mcpgw::policy::rego
