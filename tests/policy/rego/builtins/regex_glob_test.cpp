#include "builtin_test_util.h"

namespace mcpgw::policy::rego::testing {
namespace {

TEST(RegexBuiltins, MatchAndValidity) {
  EXPECT_EQ(okj("regex.match", {Str(R"(^[a-z]+\[[0-9]+\]$)"), Str("foo[1]")}), "true");
  EXPECT_EQ(okj("regex.match", {Str("^$"), Str("something")}), "false");
  EXPECT_EQ(okj("regex.match", {Str(""), Str("x")}), "true");
  auto e = err("regex.match", {Str("$^[[["), Str("x")});
  EXPECT_EQ(e.code, "eval_builtin_error");
  EXPECT_NE(e.message.find("regex.match: error parsing regexp"), std::string::npos);
  EXPECT_EQ(okj("regex.is_valid", {Str("++")}), "false");
  EXPECT_EQ(okj("regex.is_valid", {Str(".+")}), "true");
  EXPECT_EQ(okj("regex.is_valid", {I(10)}), "false");
}

TEST(RegexBuiltins, FindFollowsGoIteration) {
  EXPECT_EQ(okj("regex.find_n", {Str("a."), Str("paranormal"), I(-1)}), R"(["ar","an","al"])");
  EXPECT_EQ(okj("regex.find_n", {Str("a."), Str("paranormal"), I(2)}), R"(["ar","an"])");
  EXPECT_EQ(okj("regex.find_n", {Str("^a."), Str("abacadaeaf"), I(-1)}), R"(["ab"])");
  EXPECT_EQ(okj("regex.find_n", {Str("x*"), Str("axb"), I(-1)}), R"(["","x",""])");
  EXPECT_EQ(okj("regex.find_all_string_submatch_n",
                {Str("[^aouiye]([aouiye])([^aouiye])?"), Str("somestri"), I(-1)}),
            R"([["som","o","m"],["ri","i",""]])");
  EXPECT_EQ(err("regex.find_n", {Str("a"), Str("b"), J("1.5")}).code, "eval_type_error");
}

TEST(RegexBuiltins, ReplaceExpandsGroups) {
  EXPECT_EQ(okj("regex.replace", {Str("-wy-wxxy-"), Str("w(x*)y"), Str("0")}), R"("-0-0-")");
  EXPECT_EQ(okj("regex.replace", {Str("foo"), Str("(foo)"), Str("$1$1")}), R"("foofoo")");
  EXPECT_EQ(okj("regex.replace", {Str("foo"), Str("(?P<w>o)"), Str("[${w}]$$")}), R"("f[o]$[o]$")");
  EXPECT_EQ(okj("regex.replace", {Str("foo"), Str("(o)"), Str("$1x")}), R"("f")");
  EXPECT_EQ(okj("regex.replace", {Str("abc"), Str("x*"), Str("-")}), R"("-a-b-c-")");
  EXPECT_EQ(okj("regex.replace", {Str("foo barx"), Str("[a-z]{2}"), Str("_")}), R"("_o __")");
  EXPECT_EQ(err("regex.replace", {Str("foo"), Str("["), Str("x")}).code, "eval_builtin_error");
}

TEST(RegexBuiltins, SplitMatchesGoQuirks) {
  EXPECT_EQ(okj("regex.split", {Str("a"), Str("banana")}), R"(["b","n","n",""])");
  EXPECT_EQ(okj("regex.split", {Str("^[a-z ]+$"), Str("foobar baz")}), R"(["",""])");
  EXPECT_EQ(okj("regex.split", {Str("[a-z]+$"), Str("foobar baz")}), R"(["foobar ",""])");
  EXPECT_EQ(okj("regex.split", {Str("x"), Str("")}), R"([""])");
}

TEST(RegexBuiltins, TemplateMatch) {
  EXPECT_EQ(okj("regex.template_match",
                {Str("urn:foo:{.*}"), Str("urn:foo:bar:baz"), Str("{"), Str("}")}),
            "true");
  EXPECT_EQ(okj("regex.template_match",
                {Str("urn:foo.bar:{[0-9]{2}}"), Str("urn:foo.bar:42"), Str("{"), Str("}")}),
            "true");
  EXPECT_EQ(okj("regex.template_match",
                {Str("urn:foo.bar:<[0-9]+>"), Str("urn:fooxbar:4"), Str("<"), Str(">")}),
            "false");
  EXPECT_EQ(err("regex.template_match", {Str("a{b"), Str("ab"), Str("{"), Str("}")}).code,
            "eval_builtin_error");
}

TEST(RegexBuiltins, GlobsIntersect) {
  EXPECT_EQ(okj("regex.globs_match", {Str("a.a.[0-9]+z"), Str(".b.b2359825792*594823z")}), "true");
  EXPECT_EQ(okj("regex.globs_match", {Str("[a-z]+"), Str("[0-9]*")}), "false");
  EXPECT_EQ(okj("regex.globs_match", {Str(R"([a-z]+\[[0-9]+\])"), Str(R"(foo\[1\])")}), "true");
  EXPECT_EQ(okj("regex.globs_match", {Str(R"([a-z]+\[[0-9]+\])"), Str(R"(foo["bar"])")}), "false");
  EXPECT_EQ(okj("regex.globs_match", {Str("[^a]"), Str("a")}), "false");
  auto e = err("regex.globs_match", {Str("pqrs]"), Str("[a-b]+")});
  EXPECT_EQ(e.message,
            "regex.globs_match: input:pqrs], pos:5, set-close ']' with no preceding '[': the input "
            "provided is invalid");
}

TEST(GlobBuiltins, MatchWithSeparators) {
  auto dot = J(R"(["."])");
  EXPECT_EQ(okj("glob.match", {Str("*.github.com"), dot, Str("api.github.com")}), "true");
  EXPECT_EQ(okj("glob.match", {Str("*.github.com"), dot, Str("api.cdn.github.com")}), "false");
  EXPECT_EQ(okj("glob.match", {Str("api.**.com"), dot, Str("api.cdn.github.com")}), "true");
  EXPECT_EQ(okj("glob.match", {Str("*"), J("[]"), Str("foo.bar")}), "false");
  EXPECT_EQ(okj("glob.match", {Str("*"), J("null"), Str("foo.bar")}), "true");
  EXPECT_EQ(okj("glob.match", {Str("?at"), J(R"(["f"])"), Str("fat")}), "false");
  EXPECT_EQ(okj("glob.match", {Str("[!a-c]at"), J("[]"), Str("fat")}), "true");
  EXPECT_EQ(okj("glob.match", {Str("{cat,bat,[fr]at}"), J("[]"), Str("rat")}), "true");
  EXPECT_EQ(okj("glob.match", {Str("{cat,bat,[fr]at}"), J("[]"), Str("at")}), "false");
  EXPECT_EQ(okj("glob.match", {Str("a{b,c}*"), J("[]"), Str("acxyz")}), "true");
  EXPECT_EQ(okj("glob.match", {Str(R"(\*x)"), J("[]"), Str("*x")}), "true");
  EXPECT_EQ(okj("glob.match", {Str("ü?"), J("[]"), Str("üß")}), "true");
  EXPECT_EQ(err("glob.match", {Str("[abc"), J("[]"), Str("a")}).code, "eval_builtin_error");
  EXPECT_EQ(err("glob.match", {Str("{a,b"), J("[]"), Str("a")}).code, "eval_builtin_error");
  EXPECT_EQ(err("glob.match", {Str("*"), Str("."), Str("a")}).code, "eval_type_error");
  EXPECT_EQ(okj("glob.quote_meta", {Str("*.github.com")}), R"("\\*.github.com")");
}

TEST(GlobBuiltins, PathologicalPatternFailsInsteadOfHanging) {
  std::string text(200, 'a');
  auto e = err("glob.match", {Str("**a**a**a**a**a**a**a**a**a**b"), J("null"), Str(text)});
  EXPECT_NE(e.message.find("too complex"), std::string::npos);
}

}  // namespace
}  // namespace mcpgw::policy::rego::testing
