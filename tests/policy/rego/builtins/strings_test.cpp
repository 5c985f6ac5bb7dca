#include "builtin_test_util.h"

namespace mcpgw::policy::rego::testing {
namespace {

TEST(StringBuiltins, ConcatJoinsArraysAndSets) {
  EXPECT_EQ(okj("concat", {Str("/"), J(R"(["", "foo", "bar"])")}), R"("/foo/bar")");
  EXPECT_EQ(okj("concat", {Str(","), S({Str("b"), Str("a")})}), R"("a,b")");
  auto e = err("concat", {Str(","), J("[1]")});
  EXPECT_EQ(e.code, "eval_type_error");
  EXPECT_EQ(e.message, "concat: operand 2 must be array of strings but got array");
}

TEST(StringBuiltins, SubstringCountsCodePoints) {
  EXPECT_EQ(okj("substring", {Str("abcdefgh"), I(2), I(3)}), R"("cde")");
  EXPECT_EQ(ok("substring", {Str("aåäö"), I(2), I(-1)}).as_string(), "äö");
  EXPECT_EQ(okj("substring", {Str("aaa"), I(4), I(-1)}), R"("")");
  EXPECT_EQ(okj("substring", {Str("abcdefgh"), I(2), I(10000)}), R"("cdefgh")");
  auto e = err("substring", {Str("aaa"), I(-1), I(-1)});
  EXPECT_EQ(e.code, "eval_builtin_error");
  EXPECT_EQ(e.message, "substring: negative offset");
}

TEST(StringBuiltins, IndexofReturnsCodePointPositions) {
  EXPECT_EQ(okj("indexof", {Str("abcabcabcdefgh"), Str("cde")}), "8");
  EXPECT_EQ(okj("indexof", {Str("skön var våren"), Str("vår")}), "9");
  EXPECT_EQ(okj("indexof", {Str("abc"), Str("x")}), "-1");
  EXPECT_EQ(okj("indexof_n", {Str("😇😀😇😀😇😀"), Str("😀")}), "[1,3,5]");
  EXPECT_EQ(okj("indexof_n", {Str("dogcat"), Str("rabbit")}), "[]");
}

TEST(StringBuiltins, SplitReplaceTrim) {
  EXPECT_EQ(okj("split", {Str("foo.bar.baz"), Str(".")}), R"(["foo","bar","baz"])");
  EXPECT_EQ(okj("split", {Str("test"), Str("")}), R"(["t","e","s","t"])");
  EXPECT_EQ(okj("split", {Str(""), Str("")}), "[]");
  EXPECT_EQ(okj("split", {Str(""), Str(".")}), R"([""])");
  EXPECT_EQ(okj("replace", {Str("foo...bar"), Str(".."), Str(",,")}), R"("foo,,.bar")");
  EXPECT_EQ(okj("trim", {Str("...foo.bar..."), Str(".fr")}), R"("oo.ba")");
  EXPECT_EQ(ok("trim", {Str("¡¡¡foo, bar!!!"), Str("!¡")}).as_string(), "foo, bar");
  EXPECT_EQ(ok("trim_left", {Str("¡¡¡foo!!"), Str("!¡")}).as_string(), "foo!!");
  EXPECT_EQ(ok("trim_right", {Str("¡¡¡foo!!"), Str("!¡")}).as_string(), "¡¡¡foo");
  EXPECT_EQ(okj("trim_prefix", {Str("foobar"), Str("foo")}), R"("bar")");
  EXPECT_EQ(okj("trim_suffix", {Str("foobar"), Str("baz")}), R"("foobar")");
  EXPECT_EQ(okj("trim_space", {Str(" \t\n foo, bar \n\t\r\n")}), R"("foo, bar")");
  auto e = err("trim", {I(1), Str(".")});
  EXPECT_EQ(e.message, "trim: operand 1 must be string but got number");
}

TEST(StringBuiltins, CaseMappingCoversNonAscii) {
  EXPECT_EQ(okj("lower", {Str("AbCdEf")}), R"("abcdef")");
  EXPECT_EQ(ok("upper", {Str("straße åäö")}).as_string(), "STRAßE ÅÄÖ");
  EXPECT_EQ(ok("lower", {Str("ÅÄÖ ΣΑΣ")}).as_string(), "åäö σασ");
}

TEST(StringBuiltins, SprintfFollowsGoFormatting) {
  EXPECT_EQ(okj("sprintf", {Str("hi %s"), J(R"(["there"])")}), R"("hi there")");
  EXPECT_EQ(okj("sprintf", {Str("hi %02d"), J("[5]")}), R"("hi 05")");
  EXPECT_EQ(okj("sprintf", {Str("hi %02X.%02X"), J("[127, 1]")}), R"("hi 7F.01")");
  EXPECT_EQ(okj("sprintf", {Str("hi %.2f"), J("[3.1415]")}), R"("hi 3.14")");
  EXPECT_EQ(okj("sprintf", {Str("hi %s"), J("[true]")}), R"("hi true")");
  EXPECT_EQ(okj("sprintf", {Str("hi %v"), J(R"([["there", 5, 3.14]])")}),
            R"("hi [\"there\", 5, 3.14]")");
  EXPECT_EQ(okj("sprintf", {Str("%v"), J("[1234567.5]")}), R"("1.2345675e+06")");
  EXPECT_EQ(okj("sprintf", {Str("%v|%v"), J("[0.0001, 100000.5]")}), R"("0.0001|100000.5")");
  EXPECT_EQ(okj("sprintf", {Str("%s"), J("[123456789123456789123]")}),
            R"("123456789123456789123")");
  EXPECT_EQ(okj("sprintf", {Str("%x"), J("[1208925819614629174706175]")}),
            R"("ffffffffffffffffffff")");
  EXPECT_EQ(okj("sprintf", {Str("%d %d"), J("[1]")}), R"x("1 %!d(MISSING)")x");
  EXPECT_EQ(okj("sprintf", {Str("%d"), J(R"(["x"])")}), R"x("%!d(string=x)")x");
  EXPECT_EQ(okj("sprintf", {Str("%-4s|%5.1f|%q"), J(R"(["ab", 2.25, "q"])")}),
            R"("ab  |  2.2|\"q\"")");
  EXPECT_EQ(okj("sprintf", {Str("%v"), J(R"([{"a": [1]}])")}), R"("{\"a\": [1]}")");
  EXPECT_EQ(okj("sprintf", {Str("100%%"), J("[]")}), R"("100%")");
  EXPECT_EQ(err("sprintf", {Str("%s"), Str("x")}).code, "eval_type_error");
}

TEST(StringBuiltins, FormatIntTruncatesAndChecksBase) {
  EXPECT_EQ(okj("format_int", {J("15.5"), I(16)}), R"("f")");
  EXPECT_EQ(okj("format_int", {J("-5.9"), I(2)}), R"("-101")");
  EXPECT_EQ(okj("format_int", {I(8), I(8)}), R"("10")");
  auto e = err("format_int", {J("4.1"), I(199)});
  EXPECT_EQ(e.code, "eval_type_error");
  EXPECT_NE(e.message.find("operand 2 must be one of {2, 8, 10, 16}"), std::string::npos);
}

TEST(StringBuiltins, ReplaceNPrefersSortedKeysWithoutOverlap) {
  EXPECT_EQ(okj("strings.replace_n", {J(R"({"<": "&lt;", ">": "&gt;"})"), Str("<b>HTML</b>!")}),
            R"("&lt;b&gt;HTML&lt;/b&gt;!")");
  EXPECT_EQ(okj("strings.replace_n", {J(R"({"f": "x", "foo": "xxx"})"), Str("foobar")}),
            R"("xoobar")");
  auto e = err("strings.replace_n", {J(R"({"f": 100})"), Str("foo")});
  EXPECT_EQ(e.message, "strings.replace_n: operand 1 non-string value found in pattern object");
  e = err("strings.replace_n", {Value::object({{I(2), Str("x")}}), Str("foo")});
  EXPECT_EQ(e.message, "strings.replace_n: operand 1 non-string key found in pattern object");
  e = err("strings.replace_n", {J("{}"), I(100)});
  EXPECT_EQ(e.message, "strings.replace_n: operand 2 must be string but got number");
}

TEST(StringBuiltins, ReverseAndCount) {
  EXPECT_EQ(ok("strings.reverse", {Str("1😀𝛾")}).as_string(), "𝛾😀1");
  EXPECT_EQ(err("strings.reverse", {I(1)}).message,
            "strings.reverse: operand 1 must be string but got number");
  EXPECT_EQ(okj("strings.count", {Str("cheese"), Str("e")}), "3");
  EXPECT_EQ(okj("strings.count", {Str("11111"), Str("11")}), "2");
  EXPECT_EQ(okj("strings.count", {Str("dummy"), Str("")}), "6");
}

TEST(StringBuiltins, AnyPrefixAndSuffixMatch) {
  EXPECT_EQ(okj("strings.any_prefix_match", {J(R"(["a/b/c", "e/f/g"])"), J(R"(["x/", "e/"])")}),
            "true");
  EXPECT_EQ(okj("strings.any_prefix_match", {Str("a/b/c"), S({Str("b/")})}), "false");
  EXPECT_EQ(okj("strings.any_suffix_match", {J(R"(["a/b/c"])"), Str("/c")}), "true");
  auto e = err("strings.any_prefix_match", {J("[1, 2]"), Str("a")});
  EXPECT_EQ(e.message,
            "strings.any_prefix_match: operand 1 must be array of strings but got array "
            "containing number");
  e = err("strings.any_suffix_match", {Str("a"), I(1)});
  EXPECT_EQ(e.message,
            "strings.any_suffix_match: operand 2 must be one of {string, set, array} but got "
            "number");
}

TEST(StringBuiltins, RenderTemplateSubset) {
  EXPECT_EQ(okj("strings.render_template", {Str("{{.test}}"), J(R"({"test": 2023})")}),
            R"("2023")");
  EXPECT_EQ(okj("strings.render_template",
                {Str("{{range $i, $name := .names}}{{if $i}},{{end}}hello {{$name}}{{end}}"),
                 J(R"({"names": ["rohan", "john doe"]})")}),
            R"("hello rohan,hello john doe")");
  EXPECT_EQ(okj("strings.render_template", {Str("a {{.missing}}"), J("{}")}), R"("a <undefined>")");
  auto e = err("strings.render_template", {Str("{{if .x}}"), J("{}")});
  EXPECT_EQ(e.code, "eval_builtin_error");
}

}  // namespace
}  // namespace mcpgw::policy::rego::testing
