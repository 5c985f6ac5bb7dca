#include "policy/rego/compiler.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace mcpgw::policy::rego {
namespace {

using testing::error_of;
using testing::eval_x;

TEST(Compiler, UnknownBuiltinFailsNamingIt) {
  std::string err = error_of([] { eval_x({"package p\nx := no.such_fn(1)\n"}, "x = data.p.x"); });
  EXPECT_NE(err.find("rego_type_error: undefined function no.such_fn"), std::string::npos) << err;
  EXPECT_NE(err.find("m0.rego:2:"), std::string::npos) << err;
}

TEST(Compiler, UnknownFunctionsMayOnlyBeCalledWhenMocked) {
  // A name no built-in has compiles only when some `with` replaces it, and then runs mocked.
  std::string m = "package p\nq := ext.lookup(1)\nx := v if v := q with ext.lookup as 5\n";
  EXPECT_EQ(eval_x({m}, "x = data.p.x"), std::vector<std::string>{"5"});
  std::string err = error_of([&] { eval_x({m}, "x = data.p.q"); });
  EXPECT_NE(err.find("ext.lookup: not available in the embedded engine"), std::string::npos) << err;
}

TEST(Compiler, ArityIsChecked) {
  std::string err =
      error_of([] { eval_x({"package p\nf(a) := a\nx := f(1, 2, 3)\n"}, "x = data.p.x"); });
  EXPECT_NE(err.find("has arity 1, got 3 arguments"), std::string::npos) << err;
  err = error_of([] { eval_x({"package p\nx := 1 + 2 + 3\ny := plus(1)\n"}, "x = data.p.x"); });
  EXPECT_NE(err.find("plus: arity mismatch"), std::string::npos) << err;
}

TEST(Compiler, ConstantArgumentTypesAreChecked) {
  std::string err = error_of([] { eval_x({"package p\nx := 1 + \"a\"\n"}, "x = data.p.x"); });
  EXPECT_NE(err.find("rego_type_error"), std::string::npos) << err;
}

TEST(Compiler, UnsafeVariablesAreReported) {
  std::string err = error_of([] { eval_x({"package p\nx if { y > 1 }\n"}, "x = data.p.x"); });
  EXPECT_NE(err.find("rego_unsafe_var_error: var y is unsafe"), std::string::npos) << err;
  err = error_of([] { eval_x({"package p\nx := z if { true }\n"}, "x = data.p.x"); });
  EXPECT_NE(err.find("var z is unsafe"), std::string::npos) << err;
}

TEST(Compiler, ReordersBodiesForSafety) {
  // y is used before it is bound in source order; OPA reorders, so do we.
  EXPECT_EQ(eval_x({"package p\nx := y if { y > 1; y := 5 }\n"}, "x = data.p.x"),
            (std::vector<std::string>{"5"}));
}

TEST(Compiler, ConflictingRuleKindsAreRejected) {
  std::string err = error_of([] { eval_x({"package p\nq := 1\nq contains 2\n"}, "x = data.p.q"); });
  EXPECT_NE(err.find("conflicting rules data.p.q"), std::string::npos) << err;
  // Found by rego_fuzz: a complete rule and a ref-head object rule at the same path.
  err = error_of(
      [] { eval_x({"package p\na.b[c].d := 1 if some c in [1]\na.b\n"}, "x = data.p.a"); });
  EXPECT_NE(err.find("conflicting rules data.p.a.b"), std::string::npos) << err;
  err = error_of([] { eval_x({"package p\ndefault q := 1\ndefault q := 2\n"}, "x = data.p.q"); });
  EXPECT_NE(err.find("multiple default rules"), std::string::npos) << err;
}

TEST(Compiler, StrictModeReportsUnusedAssignments) {
  auto compile = [](const std::string& src, bool strict) {
    Engine engine;
    engine.add_module("u.rego", src);
    CompileOptions options;
    options.strict = strict;
    engine.compile(options);
  };
  std::string unused = "package p\nq if {\n  x := 1\n  true\n}\n";
  EXPECT_EQ(error_of([&] { compile(unused, false); }), "");
  std::string err = error_of([&] { compile(unused, true); });
  EXPECT_NE(err.find("u.rego:3:3: rego_compile_error: assigned var x unused"), std::string::npos)
      << err;
  EXPECT_EQ(error_of([&] { compile("package p\nq := y if {\n  y := 1\n}\n", true); }), "");
}

}  // namespace
}  // namespace mcpgw::policy::rego
