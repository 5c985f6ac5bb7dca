#include "builtin_test_util.h"

namespace mcpgw::policy::rego::testing {
namespace {

TEST(ObjectBuiltins, GetWithKeysAndPaths) {
  EXPECT_EQ(okj("object.get", {J(R"({"a":"b"})"), Str("a"), Str("c")}), R"("b")");
  EXPECT_EQ(okj("object.get", {J(R"({"a":"b"})"), Str("x"), Str("c")}), R"("c")");
  EXPECT_EQ(okj("object.get", {J(R"({"a":{"b":[{"c":1}]}})"), J(R"(["a","b",0,"c"])"), I(2)}), "1");
  EXPECT_EQ(okj("object.get", {J(R"({"a":{"b":[1]}})"), J(R"(["a","b","a"])"), I(2)}), "2");
  EXPECT_EQ(okj("object.get", {J(R"({"a":1})"), J("[]"), I(2)}), R"({"a":1})");
  EXPECT_EQ(err("object.get", {Str("o"), Str("a"), I(1)}).message,
            "object.get: operand 1 must be object but got string");
}

TEST(ObjectBuiltins, KeysRemoveFilter) {
  EXPECT_EQ(okj("object.keys", {J(R"({"b":1,"a":2})")}), R"(["a","b"])");
  EXPECT_TRUE(ok("object.keys", {J("{}")}).is_set());
  EXPECT_EQ(okj("object.remove", {J(R"({"a":1,"b":2,"d":4})"), J(R"(["d","b"])")}), R"({"a":1})");
  EXPECT_EQ(okj("object.remove", {J(R"({"a":1,"b":2})"), J(R"({"b":0})")}), R"({"a":1})");
  EXPECT_EQ(okj("object.filter", {J(R"({"a":1,"b":2})"), S({Str("b"), Str("z")})}), R"({"b":2})");
  EXPECT_EQ(err("object.remove", {J("[1]"), S({})}).message,
            "object.remove: operand 1 must be object but got array");
  EXPECT_EQ(err("object.filter", {J("{}"), Str("a")}).message,
            "object.filter: operand 2 must be one of {object, set, array} but got string");
}

TEST(ObjectBuiltins, UnionMergesRecursively) {
  EXPECT_EQ(okj("object.union", {J(R"({"a":{"b":{"c":1}},"e":1})"),
                                 J(R"({"a":{"b":"foo","b1":"bar"},"d":7,"e":17})")}),
            R"({"a":{"b":"foo","b1":"bar"},"d":7,"e":17})");
  EXPECT_EQ(okj("object.union", {J(R"({"a":{"x":1}})"), J(R"({"a":{"y":2}})")}),
            R"({"a":{"x":1,"y":2}})");
  EXPECT_EQ(err("object.union", {J("{}"), J("[1]")}).message,
            "object.union: operand 2 must be object but got array");
  EXPECT_EQ(okj("object.union_n", {J(R"([{"a":1,"b":2},{"a":"x"},{"c":3}])")}),
            R"({"a":"x","b":2,"c":3})");
  EXPECT_EQ(err("object.union_n", {J(R"([{}, "baz"])")}).code, "eval_type_error");
}

TEST(ObjectBuiltins, Subset) {
  auto super = J(R"({"a":5,"n":{"x":10,"y":15,"arr":[6,7,8,9]}})");
  EXPECT_EQ(okj("object.subset", {super, J(R"({"a":5,"n":{"x":10,"arr":[7,8]}})")}), "true");
  EXPECT_EQ(okj("object.subset", {super, J(R"({"a":5,"n":{"arr":[6,8]}})")}), "false");
  EXPECT_EQ(okj("object.subset", {J("[1,2,3,4]"), S({I(4), I(2)})}), "true");
  EXPECT_EQ(okj("object.subset", {S({I(1), S({Str("a"), Str("b")})}), S({S({Str("a")})})}),
            "false");
  EXPECT_EQ(err("object.subset", {S({I(1)}), J("[1]")}).code, "eval_type_error");
}

TEST(ArrayBuiltins, ConcatSliceReverseFlatten) {
  EXPECT_EQ(okj("array.concat", {J("[1,2]"), J("[3]")}), "[1,2,3]");
  EXPECT_EQ(err("array.concat", {J("[1]"), J("{}")}).message,
            "array.concat: operand 2 must be array but got object");
  EXPECT_EQ(okj("array.slice", {J("[1,2,3,4,5]"), I(1), I(3)}), "[2,3]");
  EXPECT_EQ(okj("array.slice", {J("[1,2,3,4,5]"), I(-1), I(2)}), "[1,2]");
  EXPECT_EQ(okj("array.slice", {J("[1,2,3,4,5]"), I(4), I(1)}), "[]");
  EXPECT_EQ(okj("array.slice", {J("[1,2,3]"), I(1000), I(2000)}), "[]");
  EXPECT_EQ(okj("array.reverse", {J("[1,2,3]")}), "[3,2,1]");
  EXPECT_EQ(okj("array.flatten", {J(R"([[1,2],"s",[3,[4]]])")}), R"([1,2,"s",3,[4]])");
  EXPECT_EQ(err("array.flatten", {I(42)}).message,
            "array.flatten: operand 1 must be array but got number");
}

TEST(SetBuiltins, UnionAndIntersection) {
  auto sets = S({S({I(1), I(2), I(3)}), S({I(2), I(3), I(4)})});
  EXPECT_EQ(okj("union", {sets}), "[1,2,3,4]");
  EXPECT_EQ(okj("intersection", {sets}), "[2,3]");
  EXPECT_EQ(okj("intersection", {S({})}), "[]");
  EXPECT_EQ(err("union", {S({I(1)})}).code, "eval_type_error");
}

TEST(GraphBuiltins, WalkIsPreOrder) {
  auto b = library().find("walk");
  ASSERT_TRUE(b && b->relation);
  EXPECT_EQ(okj("walk", {J(R"({"v1":"hello","v2":[1]})")}),
            R"([[[],{"v1":"hello","v2":[1]}],[["v1"],"hello"],[["v2"],[1]],[["v2",0],1]])");
  EXPECT_EQ(okj("walk", {S({S({I(1)})})}), "[[[],[[1]]],[[[1]],[1]],[[[1],1],1]]");
  EXPECT_EQ(okj("walk", {I(1)}), "[[[],1]]");
}

TEST(GraphBuiltins, Reachable) {
  auto g = Value::object({{Str("a"), S({Str("b"), Str("c")})},
                          {Str("b"), S({Str("d")})},
                          {Str("c"), S({Str("d")})},
                          {Str("d"), S({})},
                          {Str("e"), S({Str("f")})},
                          {Str("f"), S({Str("e")})}});
  EXPECT_EQ(okj("graph.reachable", {g, S({Str("b"), Str("e")})}), R"(["b","d","e","f"])");
  EXPECT_EQ(okj("graph.reachable", {J("{}"), S({Str("a")})}), "[]");
  EXPECT_EQ(okj("graph.reachable", {J(R"({"a":null})"), J(R"(["a"])")}), R"(["a"])");
  EXPECT_EQ(err("graph.reachable", {J(R"({"a":[]})"), Str("a")}).code, "eval_type_error");
  EXPECT_EQ(err("graph.reachable", {J("1"), J("[1]")}).code, "eval_type_error");
}

TEST(GraphBuiltins, ReachablePathsMatchOpaOnSharedNodes) {
  auto g = J(R"({"one":["two","five"],"two":["four"],"three":[""],"four":["three"],
                 "five":["seven","six"],"six":["nine","seven"],"seven":["eight"],
                 "eight":["three"],"nine":[""]})");
  EXPECT_EQ(okj("graph.reachable_paths", {g, S({Str("one")})}),
            R"([["one","five","seven","eight","three"],["one","five","six"],)"
            R"(["one","five","six","nine"],["one","two","four","three"]])");
  EXPECT_EQ(okj("graph.reachable_paths", {J(R"({"a":["b","c"],"b":["c"],"c":[]})"), S({Str("a")})}),
            R"([["a","b","c"],["a","c"]])");
  EXPECT_EQ(okj("graph.reachable_paths", {J(R"({"a":["b"],"b":["x"]})"), S({Str("a"), Str("b")})}),
            R"([["a","b"],["b"]])");
  EXPECT_EQ(okj("graph.reachable_paths", {J("{}"), S({Str("a")})}), "[]");
}

}  // namespace
}  // namespace mcpgw::policy::rego::testing
