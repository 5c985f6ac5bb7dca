#include "builtin_test_util.h"

namespace mcpgw::policy::rego::testing {
namespace {

TEST(NetBuiltins, ContainsAndIntersects) {
  EXPECT_EQ(okj("net.cidr_contains", {Str("10.0.0.0/8"), Str("10.1.0.0/24")}), "true");
  EXPECT_EQ(okj("net.cidr_contains", {Str("172.17.0.0/24"), Str("172.17.0.0/16")}), "false");
  EXPECT_EQ(okj("net.cidr_contains", {Str("10.0.0.0/8"), Str("10.1.2.3")}), "true");
  EXPECT_EQ(okj("net.cidr_contains",
                {Str("2001:4860:4860::8888/32"), Str("2001:4860:4860:1234::8888/40")}),
            "true");
  EXPECT_EQ(okj("net.cidr_contains", {Str("2001:4860::/32"), Str("10.0.0.1")}), "false");
  EXPECT_EQ(okj("net.cidr_intersects", {Str("192.168.1.0/25"), Str("192.168.1.64/25")}), "true");
  EXPECT_EQ(okj("net.cidr_intersects", {Str("192.168.1.0/24"), Str("192.168.2.0/24")}), "false");
  EXPECT_EQ(err("net.cidr_contains", {Str("not-a-cidr"), Str("1.2.3.4")}).message,
            "net.cidr_contains: invalid CIDR address: not-a-cidr");
  EXPECT_EQ(err("net.cidr_intersects", {Str("192.168.1.0/28"), Str("1.2.3.4")}).code,
            "eval_builtin_error");
  EXPECT_EQ(err("net.cidr_contains", {Str("10.0.0.0/8"), Str("010.1.2.3")}).code,
            "eval_builtin_error");
}

TEST(NetBuiltins, ContainsMatchesKeys) {
  EXPECT_EQ(okj("net.cidr_contains_matches",
                {J(R"([["1.1.2.0/24", 1], "1.1.1.0/24"])"), J(R"(["1.1.1.1", "1.1.2.1"])")}),
            "[[0,1],[1,0]]");
  EXPECT_EQ(okj("net.cidr_contains_matches",
                {J(R"({"k1": "1.1.1.1/24", "k2": ["1.1.1.2/24", 1]})"), Str("1.1.1.128")}),
            R"([["k1","1.1.1.128"],["k2","1.1.1.128"]])");
  EXPECT_EQ(
      err("net.cidr_contains_matches", {J(R"(["1.1.2.0/24"])"), J(R"(["1.1.1.1", 1])")}).message,
      "net.cidr_contains_matches: operand 2: element must be string or non-empty array");
  EXPECT_EQ(err("net.cidr_contains_matches", {J(R"(["1.1.2.0/24"])"), S({J("[]")})}).code,
            "eval_builtin_error");
}

TEST(NetBuiltins, ExpandValidMerge) {
  EXPECT_EQ(okj("net.cidr_expand", {Str("192.168.1.1/30")}),
            R"(["192.168.1.0","192.168.1.1","192.168.1.2","192.168.1.3"])");
  EXPECT_EQ(err("net.cidr_expand", {Str("192.168.1.1/33")}).message,
            "net.cidr_expand: invalid CIDR address: 192.168.1.1/33");
  EXPECT_EQ(err("net.cidr_expand", {Str("10.0.0.0/8")}).code, "eval_builtin_error");
  EXPECT_EQ(okj("net.cidr_is_valid", {Str("2002::1234:abcd:ffff:c0a8:101/64")}), "true");
  EXPECT_EQ(okj("net.cidr_is_valid", {Str("192.168.1.2")}), "false");
  EXPECT_EQ(okj("net.cidr_is_valid", {I(1)}), "false");
  auto merge = [](const char* list) { return okj("net.cidr_merge", {J(list)}); };
  EXPECT_EQ(merge(R"(["192.0.128.0/24", "192.0.129.0/24"])"), R"(["192.0.128.0/23"])");
  EXPECT_EQ(merge(R"(["192.0.2.112/30", "192.0.2.116/31", "192.0.2.118/31"])"),
            R"(["192.0.2.112/29"])");
  EXPECT_EQ(merge(R"(["192.0.2.112/31", "192.0.2.116/31", "192.0.2.118/31"])"),
            R"(["192.0.2.112/31","192.0.2.116/30"])");
  EXPECT_EQ(
      merge(R"(["fe80::/120", "192.0.2.0/24", "192.0.3.0/24", "192.0.4.0/25", "192.0.4.128/25"])"),
      R"(["192.0.2.0/23","192.0.4.0/24","fe80::/120"])");
  EXPECT_EQ(merge(R"(["::/0", "::192.0.2.0/124", "ff00::101/128"])"), R"(["::/0"])");
  EXPECT_EQ(merge(R"(["192.0.2.112", "192.0.2.116/31"])"), R"(["192.0.2.0/24"])");
  EXPECT_EQ(
      merge(
          R"(["2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64", "2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128"])"),
      R"(["2601:600:8a80:207e::/64"])");
  EXPECT_EQ(merge("[]"), "[]");
  EXPECT_EQ(err("net.cidr_merge", {J(R"(["2601:600::1"])")}).message,
            "net.cidr_merge: IPv6 invalid: needs prefix length");
  EXPECT_EQ(err("net.cidr_merge", {J(R"(["foo"])")}).code, "eval_builtin_error");
}

TEST(UnitsBuiltins, ParseIsExact) {
  auto parse = [](const char* s) { return okj("units.parse", {Str(s)}); };
  EXPECT_EQ(parse("500m"), "0.5");
  EXPECT_EQ(parse("0.0000005M"), "0.5");
  EXPECT_EQ(parse("10Ki"), "10240");
  EXPECT_EQ(parse("1.1Ki"), "1126.4");
  EXPECT_EQ(parse("100mi"), "104857600");
  EXPECT_EQ(parse("10E"), "10000000000000000000");
  EXPECT_EQ(parse("10Ei"), "11529215046068469760");
  EXPECT_EQ(parse("-3.5E2m"), "-0.35");
  EXPECT_EQ(parse("\"100TI\""), "109951162777600");
  EXPECT_EQ(parse("1e-2"), "0.01");
  EXPECT_EQ(parse("1G"), "1000000000");
  EXPECT_EQ(err("units.parse", {Str("")}).message, "units.parse: no amount provided");
  EXPECT_EQ(err("units.parse", {Str("0.0.0")}).message,
            "units.parse: could not parse amount to a number");
  EXPECT_EQ(err("units.parse", {Str(" 327Mi ")}).message,
            "units.parse: spaces not allowed in resource strings");
  EXPECT_EQ(err("units.parse", {Str("5Q")}).code, "eval_builtin_error");
}

TEST(UnitsBuiltins, ParseBytes) {
  auto bytes = [](const char* s) { return okj("units.parse_bytes", {Str(s)}); };
  EXPECT_EQ(bytes("10KB"), "10000");
  EXPECT_EQ(bytes("10Kib"), "10240");
  EXPECT_EQ(bytes("1.1KiB"), "1126");
  EXPECT_EQ(bytes(".5KB"), "500");
  EXPECT_EQ(bytes("3.2E2MiB"), "335544320");
  EXPECT_EQ(bytes("1e-2KB"), "10");
  EXPECT_EQ(bytes("10eib"), "11529215046068469760");
  EXPECT_EQ(bytes("12345"), "12345");
  EXPECT_EQ(bytes("5E"), "5000000000000000000");
  EXPECT_EQ(err("units.parse_bytes", {Str("GB")}).message,
            "units.parse_bytes: no byte amount provided");
  EXPECT_EQ(err("units.parse_bytes", {Str(".5.2")}).message,
            "units.parse_bytes: could not parse byte amount to a number");
  EXPECT_EQ(err("units.parse_bytes", {Str("100 kb")}).message,
            "units.parse_bytes: spaces not allowed in resource strings");
}

TEST(SemverBuiltins, CompareAndValidate) {
  EXPECT_EQ(okj("semver.compare", {Str("1.0.0"), Str("2.0.0")}), "-1");
  EXPECT_EQ(okj("semver.compare", {Str("1.10.0"), Str("1.9.0")}), "1");
  EXPECT_EQ(okj("semver.compare", {Str("1.0.0-alpha"), Str("1.0.0")}), "-1");
  EXPECT_EQ(okj("semver.compare", {Str("1.0.0-alpha.1"), Str("1.0.0-alpha.beta")}), "-1");
  EXPECT_EQ(okj("semver.compare", {Str("1.0.0-rc.11"), Str("1.0.0-rc.2")}), "1");
  EXPECT_EQ(okj("semver.compare", {Str("1.0.0+build.1"), Str("1.0.0+build.2")}), "0");
  EXPECT_EQ(err("semver.compare", {Str("1"), Str("1.0.0")}).message,
            R"(semver.compare: operand 1: string "1" is not a valid SemVer)");
  EXPECT_EQ(err("semver.compare", {Str("1.0.0"), Str("01.0.0")}).message,
            R"(semver.compare: operand 2: string "01.0.0" is not a valid SemVer)");
  EXPECT_EQ(okj("semver.is_valid", {Str("1.0.0-x.7.z.92+meta")}), "true");
  EXPECT_EQ(okj("semver.is_valid", {Str("1.0")}), "false");
  EXPECT_EQ(okj("semver.is_valid", {I(1)}), "false");
}

TEST(UuidBuiltins, ParseVersions) {
  EXPECT_EQ(okj("uuid.parse", {Str("{00000000-0000-4000-8000-000000000000}")}),
            R"({"variant":"RFC4122","version":4})");
  EXPECT_EQ(okj("uuid.parse", {Str("6bea8ef2d3d33cd184e09bab06a52ece")}),
            R"({"variant":"RFC4122","version":3})");
  EXPECT_EQ(
      okj("uuid.parse", {Str("urn:uuid:000003e8-48b9-21ee-b200-325096b39f47")}),
      R"({"clocksequence":12800,"domain":"Person","id":1000,"macvariables":"local:unicast",)"
      R"("nodeid":"32-50-96-b3-9f-47","time":1693566990121469600,"variant":"RFC4122","version":2})");
  EXPECT_EQ(err("uuid.parse", {Str("not-a-uuid")}).code, "eval_builtin_error");
  EXPECT_EQ(err("uuid.parse", {I(123)}).code, "eval_type_error");
}

TEST(UuidBuiltins, RandomValuesAreStablePerQuery) {
  std::map<std::string, Value> memo;
  BuiltinContext ctx;
  ctx.memo = &memo;
  auto a = std::get<Value>(call_with(ctx, "uuid.rfc4122", {Str("k")}));
  auto b = std::get<Value>(call_with(ctx, "uuid.rfc4122", {Str("k")}));
  auto c = std::get<Value>(call_with(ctx, "uuid.rfc4122", {Str("other")}));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  ASSERT_EQ(a.as_string().size(), 36u);
  EXPECT_EQ(a.as_string()[14], '4');
  auto parsed = ok("uuid.parse", {a});
  EXPECT_EQ(parsed.find("variant")->as_string(), "RFC4122");
  auto n1 = std::get<Value>(call_with(ctx, "rand.intn", {Str("x"), I(100)}));
  auto n2 = std::get<Value>(call_with(ctx, "rand.intn", {Str("x"), I(100)}));
  EXPECT_EQ(n1, n2);
  EXPECT_GE(n1.as_int64(), 0);
  EXPECT_LT(n1.as_int64(), 100);
  EXPECT_EQ(okj("rand.intn", {Str("x"), I(0)}), "0");
  // A fixed seed makes the values reproducible across queries.
  BuiltinContext s1, s2;
  s1.seed = s2.seed = 7;
  EXPECT_EQ(std::get<Value>(call_with(s1, "uuid.rfc4122", {Str("k")})),
            std::get<Value>(call_with(s2, "uuid.rfc4122", {Str("k")})));
}

TEST(CryptoBuiltins, DigestsAndHmacs) {
  EXPECT_EQ(okj("crypto.md5", {Str("lorem ipsum")}), R"("80a751fde577028640c419000e33eba6")");
  EXPECT_EQ(okj("crypto.sha1", {Str("")}), R"("da39a3ee5e6b4b0d3255bfef95601890afd80709")");
  EXPECT_EQ(okj("crypto.sha256", {Str("abc")}),
            R"("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")");
  EXPECT_EQ(okj("crypto.hmac.sha256", {Str("foo"), Str("bar")}),
            R"("147933218aaabc0b8b10a2b3a5c34684c8d94341bcf10a4736dc7270f7741851")");
  EXPECT_EQ(okj("crypto.hmac.md5", {Str("foo"), Str("bar")}),
            R"("31b6db9e5eb4addb42f1a6ca07367adc")");
  EXPECT_EQ(okj("crypto.hmac.sha1", {Str("foo"), Str("bar")}),
            R"("85d155c55ed286a300bd1cf124de08d87e914f3a")");
  EXPECT_EQ(ok("crypto.hmac.sha512", {Str("foo"), Str("bar")}).as_string().substr(0, 16),
            "24257d7210582a65");
  EXPECT_EQ(okj("crypto.hmac.equal", {Str("abc"), Str("abc")}), "true");
  EXPECT_EQ(okj("crypto.hmac.equal", {Str("abc"), Str("ab")}), "false");
  EXPECT_EQ(err("crypto.sha256", {I(1)}).message,
            "crypto.sha256: operand 1 must be string but got number");
}

}  // namespace
}  // namespace mcpgw::policy::rego::testing

namespace mcpgw::policy::rego::testing {
namespace {

TEST(NetworkBuiltins, DeclaredButDisabled) {
  auto e = err("http.send", {J(R"({"method": "get", "url": "http://127.0.0.1:1"})")});
  EXPECT_EQ(e.code, "eval_builtin_error");
  EXPECT_NE(e.message.find("network built-ins are disabled"), std::string::npos);
  e = err("http.send", {J(R"({"bad_key": 1, "method": "get", "url": "x"})")});
  EXPECT_EQ(e.code, "eval_type_error");
  EXPECT_EQ(e.message, R"(http.send: invalid request parameters(s): {"bad_key"})");
  EXPECT_EQ(err("http.send", {J(R"({"method": "get"})")}).message,
            R"(http.send: missing required request parameters(s): {"url"})");
  EXPECT_NE(err("net.lookup_ip_addr", {Str("localhost")}).message.find("disabled"),
            std::string::npos);
  EXPECT_EQ(okj("opa.runtime", {}), "{}");
}

}  // namespace
}  // namespace mcpgw::policy::rego::testing
