#include "policy/rego/parser.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace mcpgw::policy::rego {
namespace {

using testing::error_of;

TEST(Parser, ModuleWithRulesImportsAndKeywords) {
  Module m = parse_module(R"(package a.b
import rego.v1
import data.lib.helpers as h

default allow := false
allow if { input.x == 1 }
names contains n if some n in input.names
obj[k] := v if { some k, v in input.o }
f(x) := y if y := x + 1
p.q.r := 3
)",
                          "t.rego");
  EXPECT_EQ(m.package, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(m.imports.size(), 2u);
  EXPECT_EQ(m.imports[1].alias, "h");
  EXPECT_EQ(m.rules.size(), 6u);
  EXPECT_TRUE(m.rules[0]->is_default);
  EXPECT_TRUE(m.rules[2]->key != nullptr);
  EXPECT_TRUE(m.rules[4]->has_params);
  EXPECT_EQ(m.rules[5]->head_ref.size(), 3u);
}

TEST(Parser, ErrorsNameFileLineAndColumn) {
  std::string err = error_of([] { parse_module("package p\n\nq if {\n  x := \n}\n", "bad.rego"); });
  EXPECT_NE(err.find("bad.rego:5:1: rego_parse_error"), std::string::npos) << err;
  err = error_of([] { parse_module("package p\np := \"unterminated\n", "s.rego"); });
  EXPECT_NE(err.find("s.rego:2:"), std::string::npos) << err;
  EXPECT_NE(err.find("unterminated string"), std::string::npos) << err;
}

TEST(Parser, RejectsMissingPackageAndBadImports) {
  EXPECT_NE(error_of([] { parse_module("p := 1", "x.rego"); }).find("expected package declaration"), std::string::npos);
  EXPECT_NE(error_of([] { parse_module("package p\nimport foo.bar\n", "x.rego"); }).find("invalid import foo"), std::string::npos);
  EXPECT_NE(error_of([] { parse_module("package p\np := 1 ^ 2\n", "x.rego"); }).find("unexpected character '^'"), std::string::npos);
}

TEST(Parser, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "package p\nx := " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  std::string err = error_of([&] { parse_module(deep, "deep.rego"); });
  EXPECT_NE(err.find("nested too deeply"), std::string::npos) << err.substr(0, 200);
}

TEST(Parser, TemplateStringsSplitIntoParts) {
  auto t = parse_term(R"($"a {x} \{b} {$"{y}"}")", nullptr);
  ASSERT_EQ(t->kind, TermKind::Template);
  ASSERT_EQ(t->parts.size(), 4u);
  EXPECT_EQ(t->args[0]->value.as_string(), "a ");
  EXPECT_TRUE(t->parts[1] != nullptr);
  EXPECT_EQ(t->args[2]->value.as_string(), " {b} ");
}

TEST(Parser, OperatorPrecedence) {
  // 1 + 2 * 3 == 7 parses as equal(plus(1, mul(2, 3)), 7)
  auto t = parse_term("1 + 2 * 3 == 7", nullptr);
  ASSERT_EQ(t->kind, TermKind::Call);
  EXPECT_EQ(t->name, "equal");
  EXPECT_EQ(t->args[0]->name, "plus");
  EXPECT_EQ(t->args[0]->args[1]->name, "mul");
}

}  // namespace
}  // namespace mcpgw::policy::rego
