#include "policy/rego/evaluator.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace mcpgw::policy::rego {
namespace {

using testing::error_of;
using testing::eval_x;
using Strings = std::vector<std::string>;

TEST(Evaluator, UndefinedFalseAndDefault) {
  std::string m = "package p\ndefault d := false\nu if input.missing\nf := false\nd if input.ok\n";
  EXPECT_EQ(eval_x({m}, "x = data.p.u", "{}"), Strings{});
  EXPECT_EQ(eval_x({m}, "x = data.p.f", "{}"), Strings{"false"});
  EXPECT_EQ(eval_x({m}, "x = data.p.d", "{}"), Strings{"false"});
  EXPECT_EQ(eval_x({m}, "x = data.p.d", R"({"ok": true})"), Strings{"true"});
}

TEST(Evaluator, CompleteRuleConflictIsAnError) {
  std::string err =
      error_of([] { eval_x({"package p\nq := 1\nq := 2 if true\n"}, "x = data.p.q"); });
  EXPECT_NE(err.find("eval_conflict_error: complete rules must not produce multiple outputs"),
            std::string::npos)
      << err;
  err = error_of([] { eval_x({"package p\nf(_) := 1\nf(x) := 2 if x > 0\n"}, "x = data.p.f(1)"); });
  EXPECT_NE(err.find("functions must not produce multiple outputs"), std::string::npos) << err;
}

TEST(Evaluator, PartialSetsObjectsAndRefHeads) {
  std::string m = R"(package p
s contains v if some v in input.xs
o[k] := v if some k, v in input.m
a.b[c].d := 1 if some c in input.xs
)";
  std::string in = R"({"xs": ["z", "y"], "m": {"k": 2}})";
  EXPECT_EQ(eval_x({m}, "x = data.p.s", in), Strings{R"(["y","z"])"});
  EXPECT_EQ(eval_x({m}, "x = data.p.o", in), Strings{R"({"k":2})"});
  EXPECT_EQ(eval_x({m}, "x = data.p.a", in), Strings{R"({"b":{"y":{"d":1},"z":{"d":1}}})"});
}

TEST(Evaluator, IterationUnificationAndComprehensions) {
  std::string data = R"({"users": [{"n": "a", "r": ["x"]}, {"n": "b", "r": ["y", "x"]}]})";
  EXPECT_EQ(eval_x({}, "x := [u.n | some u in data.users; \"x\" in u.r]", "", data),
            Strings{R"(["a","b"])"});
  EXPECT_EQ(eval_x({}, "[x, 2] = [1, y]", "", data), Strings{"1"});
  EXPECT_EQ(eval_x({}, "x := {k: v | some k, v in {\"a\": 1}}", "", data), Strings{R"({"a":1})"});
  EXPECT_EQ(eval_x({}, "data.users[i].n = x", "", data), (Strings{"\"a\"", "\"b\""}));
}

TEST(Evaluator, NotEveryElseAndWith) {
  std::string m = R"(package p
allowed if every r in input.roles { r != "banned" }
denied if not allowed
grade := "a" if input.s > 90
else := "b" if input.s > 80
else := "c"
mocked := v if v := input.s with input.s as 7
twice(v) := v * 2
via_mock := y if y := twice(2) with twice as thrice
thrice(v) := v * 3
)";
  EXPECT_EQ(eval_x({m}, "x = data.p.denied", R"({"roles": ["banned"]})"), Strings{"true"});
  EXPECT_EQ(eval_x({m}, "x = data.p.denied", R"({"roles": ["ok"]})"), Strings{});
  EXPECT_EQ(eval_x({m}, "x = data.p.grade", R"({"s": 85})"), Strings{"\"b\""});
  EXPECT_EQ(eval_x({m}, "x = data.p.grade", R"({"s": 5})"), Strings{"\"c\""});
  EXPECT_EQ(eval_x({m}, "x = data.p.mocked", R"({"s": 1})"), Strings{"7"});
  EXPECT_EQ(eval_x({m}, "x = data.p.via_mock", "{}"), Strings{"6"});
}

TEST(Evaluator, StringInterpolation) {
  EXPECT_EQ(eval_x({}, R"(x := $"n={1 + 1} s={{1}} u={input.nope}")", "{}"),
            Strings{R"("n=2 s={1} u=<undefined>")"});
}

TEST(Evaluator, BuiltinErrorsAreUndefinedUnlessStrict) {
  EXPECT_EQ(eval_x({}, "x := 1 / 0", "", "{}", false), Strings{});
  std::string err = error_of([] { eval_x({}, "x := 1 / 0", "", "{}", true); });
  EXPECT_NE(err.find("eval_builtin_error: div: divide by zero"), std::string::npos) << err;
}

TEST(Evaluator, PrintWritesArgumentsAndIsTrue) {
  Engine engine;
  engine.add_module(
      "p.rego", "package p\nq if {\n  print(\"n:\", input.n, input.missing)\n  input.n > 1\n}\n");
  engine.compile();
  std::vector<std::string> lines;
  EvalOptions opts;
  opts.input = Value::from_json(R"({"n": 2})");
  opts.print = [&](std::string_view line) { lines.emplace_back(line); };
  auto r = engine.eval("data.p.q", opts);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(lines, std::vector<std::string>{"n: 2 <undefined>"});
}

TEST(Evaluator, RecursionIsDetected) {
  std::string err = error_of([] { eval_x({"package p\nf(x) := f(x)\n"}, "x = data.p.f(1)"); });
  EXPECT_NE(err.find("rego_recursion_error"), std::string::npos) << err;
  err = error_of([] { eval_x({"package p\na := b\nb := a\n"}, "x = data.p.a"); });
  EXPECT_NE(err.find("rego_recursion_error"), std::string::npos) << err;
}

}  // namespace
}  // namespace mcpgw::policy::rego
