#include <algorithm>

#include "builtin_test_util.h"

namespace mcpgw::policy::rego::testing {
namespace {

TEST(EncodingBuiltins, Base64) {
  EXPECT_EQ(okj("base64.encode", {Str("subjects?_d")}), R"("c3ViamVjdHM/X2Q=")");
  EXPECT_EQ(okj("base64.decode", {Str("c3ViamVjdHM/X2Q=")}), R"("subjects?_d")");
  EXPECT_EQ(okj("base64.is_valid", {Str("aGVsbG8=")}), "true");
  EXPECT_EQ(okj("base64.is_valid", {Str("{'not':'base64'}")}), "false");
  EXPECT_EQ(okj("base64url.encode", {Str("subjects?_d")}), R"("c3ViamVjdHM_X2Q=")");
  EXPECT_EQ(okj("base64url.encode_no_pad", {Str("hello")}), R"("aGVsbG8")");
  EXPECT_EQ(okj("base64url.decode", {Str("aGVsbG8")}), R"("hello")");
  EXPECT_EQ(okj("base64url.decode", {Str("aGVsbG8=")}), R"("hello")");
  auto e = err("base64.decode", {Str("aGVsbG8")});
  EXPECT_EQ(e.message, "base64.decode: illegal base64 data at input byte 4");
  e = err("base64.decode", {Str("aGV$bG8=")});
  EXPECT_EQ(e.message, "base64.decode: illegal base64 data at input byte 3");
}

TEST(EncodingBuiltins, Hex) {
  EXPECT_EQ(okj("hex.encode", {Str("lorem ipsum")}), R"("6c6f72656d20697073756d")");
  EXPECT_EQ(okj("hex.decode", {Str("6c6f72656d20697073756d")}), R"("lorem ipsum")");
  EXPECT_EQ(err("hex.decode", {Str("fghijkl")}).message,
            "hex.decode: encoding/hex: invalid byte: U+0067 'g'");
  EXPECT_EQ(err("hex.decode", {Str("abc")}).message,
            "hex.decode: encoding/hex: odd length hex string");
}

TEST(EncodingBuiltins, Json) {
  EXPECT_EQ(okj("json.marshal", {J(R"([{"foo": [1,2]}])")}), R"("[{\"foo\":[1,2]}]")");
  EXPECT_EQ(ok("json.marshal", {S({I(2), I(1)})}).as_string(), "[1,2]");
  EXPECT_EQ(okj("json.unmarshal", {Str(R"([{"foo":[1,2,3]}])")}), R"([{"foo":[1,2,3]}])");
  EXPECT_EQ(err("json.unmarshal", {I(1)}).message,
            "json.unmarshal: operand 1 must be string but got number");
  EXPECT_EQ(err("json.unmarshal", {Str("{")}).code, "eval_builtin_error");
  EXPECT_EQ(okj("json.is_valid", {Str("{")}), "false");
  EXPECT_EQ(okj("json.is_valid", {I(1)}), "false");
  EXPECT_EQ(okj("json.is_valid", {Str(R"({"json": "ok"})")}), "true");
}

TEST(EncodingBuiltins, MarshalWithOptions) {
  auto v = J("[1234567890, 2000000]");
  EXPECT_EQ(ok("json.marshal_with_options", {v, J(R"({"indent": "  "})")}).as_string(),
            "[\n  1234567890,\n  2000000\n]");
  EXPECT_EQ(ok("json.marshal_with_options", {v, J("{}")}).as_string(), "[1234567890,2000000]");
  EXPECT_EQ(
      ok("json.marshal_with_options", {v, J(R"({"pretty": false, "prefix": "NO"})")}).as_string(),
      "[1234567890,2000000]");
  EXPECT_EQ(
      ok("json.marshal_with_options", {J(R"({"foo":"bar","bar":"baz"})"), J(R"({"prefix": "> "})")})
          .as_string(),
      "> {\n> \t\"bar\": \"baz\",\n> \t\"foo\": \"bar\"\n> }");
  EXPECT_EQ(ok("json.marshal_with_options", {J("[]"), J(R"({"prefix": "---"})")}).as_string(),
            "---[]");
  auto e = err("json.marshal_with_options", {J("[]"), J(R"({"lottery": true})")});
  EXPECT_EQ(e.code, "eval_type_error");
  EXPECT_NE(e.message.find(R"(object contained unknown key "lottery")"), std::string::npos);
}

TEST(EncodingBuiltins, Yaml) {
  auto v = J(R"([{"foo": [1, 2.5, "3", true, null, "yes", "x: y"]}])");
  auto text = ok("yaml.marshal", {v});
  EXPECT_EQ(ok("yaml.unmarshal", {text}), v) << text.as_string();
  EXPECT_EQ(okj("yaml.unmarshal", {Str("a: 1\nb: [x, 2]\nc: ~\nd: 'true'\n")}),
            R"({"a":1,"b":["x",2],"c":null,"d":"true"})");
  auto e = err("yaml.unmarshal", {Str("[1,2,3")});
  EXPECT_EQ(e.code, "eval_builtin_error");
  EXPECT_NE(e.message.find("yaml: line 1: did not find"), std::string::npos) << e.message;
  EXPECT_EQ(okj("yaml.is_valid", {Str("foo:\n  - qux: bar\n  - baz: {")}), "false");
  EXPECT_EQ(okj("yaml.is_valid", {Str("foo:\n  - qux: bar\n")}), "true");
  EXPECT_EQ(okj("yaml.is_valid", {I(1)}), "false");
}

TEST(EncodingBuiltins, UrlQuery) {
  EXPECT_EQ(okj("urlquery.encode", {Str("a=b+1 c")}), R"("a%3Db%2B1+c")");
  EXPECT_EQ(okj("urlquery.decode", {Str("a%3Db%2B1+c")}), R"("a=b+1 c")");
  EXPECT_EQ(err("urlquery.decode", {Str("%zz")}).message,
            R"(urlquery.decode: invalid URL escape "%zz")");
  EXPECT_EQ(okj("urlquery.encode_object", {J(R"({"c": "d", "a": ["b+1", "c+2"]})")}),
            R"("a=b%2B1&a=c%2B2&c=d")");
  EXPECT_EQ(okj("urlquery.encode_object", {Value::object({{Str("a"), S({Str("x")})}})}),
            R"("a=x")");
  EXPECT_EQ(okj("urlquery.decode_object", {Str("a=1&b&a=2")}), R"({"a":["1","2"],"b":[""]})");
  EXPECT_EQ(okj("urlquery.decode_object", {Str("")}), "{}");
  EXPECT_EQ(err("urlquery.encode_object", {J(R"({"a": 1})")}).code, "eval_type_error");
}

TEST(JsonPatchBuiltins, FilterAndRemove) {
  auto doc = J(R"({"a": {"b": {"c": 7, "d": 8}}, "e": 9})");
  EXPECT_EQ(okj("json.filter", {doc, S({Str("a/b/c"), Str("e")})}), R"({"a":{"b":{"c":7}},"e":9})");
  EXPECT_EQ(okj("json.filter", {doc, J(R"([["a", "b", "d"]])")}), R"({"a":{"b":{"d":8}}})");
  EXPECT_EQ(okj("json.filter",
                {J(R"({"a": [{"b": 7, "c": 8}, {"d": 9}]})"), S({Str("a/0/b"), Str("a/1")})}),
            R"({"a":[{"b":7},{"d":9}]})");
  EXPECT_EQ(okj("json.filter", {J(R"({"a": {"b": 7}})"), S({Str("a"), Str("a/b")})}),
            R"({"a":{"b":7}})");
  EXPECT_EQ(okj("json.remove", {doc, S({Str("a/b/c"), Str("e")})}), R"({"a":{"b":{"d":8}}})");
  EXPECT_EQ(okj("json.remove",
                {J(R"({"a": [{"b": 7, "c": 8}, {"d": 9}]})"), S({Str("a/0/b"), Str("a/1")})}),
            R"({"a":[{"c":8}]})");
  EXPECT_EQ(err("json.remove", {Str("foo"), S({})}).message,
            "json.remove: operand 1 must be object but got string");
  EXPECT_EQ(err("json.remove", {doc, Str("a")}).message,
            "json.remove: operand 2 must be one of {set, array} but got string");
  EXPECT_EQ(
      err("json.remove", {doc, S({I(1), Str("a")})}).message,
      "json.remove: operand 2 must be one of {set, array} containing string paths or array of path "
      "segments but got number");
}

TEST(JsonPatchBuiltins, Rfc6902Operations) {
  auto patch = [](const char* doc, const char* ops) {
    return ok("json.patch", {J(doc), J(ops)}).to_json();
  };
  EXPECT_EQ(patch(R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])"),
            R"({"foo":["bar","qux","baz"]})");
  EXPECT_EQ(patch(R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":"x"}])"),
            R"({"foo":["bar","x"]})");
  EXPECT_EQ(patch(R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])"),
            R"({"foo":"bar"})");
  EXPECT_EQ(patch(R"({"baz":"qux"})", R"([{"op":"replace","path":"/baz","value":"boo"}])"),
            R"({"baz":"boo"})");
  EXPECT_EQ(patch(R"({"foo":{"waldo":"fred"},"qux":{}})",
                  R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])"),
            R"({"foo":{},"qux":{"thud":"fred"}})");
  EXPECT_EQ(patch(R"({"foo":["all","grass","cows","eat"]})",
                  R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])"),
            R"({"foo":["all","cows","eat","grass"]})");
  EXPECT_EQ(patch(R"({"a":1})", R"([{"op":"copy","from":"/a","path":"/b"}])"), R"({"a":1,"b":1})");
  EXPECT_EQ(
      patch(R"({"a/b":1,"m~n":2})",
            R"([{"op":"test","path":"/a~1b","value":1},{"op":"test","path":"/m~0n","value":2}])"),
      R"({"a/b":1,"m~n":2})");
  EXPECT_EQ(patch(R"({"a":1})", R"([{"op":"replace","path":"","value":[1]}])"), "[1]");
  auto bad = [](const char* doc, const char* ops) {
    return err("json.patch", {J(doc), J(ops)}).code;
  };
  EXPECT_EQ(bad(R"({"q":{}})", R"([{"op":"add","path":"/a/b","value":1}])"), "eval_builtin_error");
  EXPECT_EQ(bad(R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])"),
            "eval_builtin_error");
  EXPECT_EQ(bad(R"({"foo":[1]})", R"([{"op":"add","path":"/foo/01","value":2}])"),
            "eval_builtin_error");
  EXPECT_EQ(bad(R"({"foo":[1]})", R"([{"op":"add","path":"/foo/5","value":2}])"),
            "eval_builtin_error");
  EXPECT_EQ(bad(R"({})", R"([{"op":"spam","path":"/a"}])"), "eval_builtin_error");
  EXPECT_EQ(bad(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])"),
            "eval_builtin_error");
  EXPECT_EQ(bad("[1,2,3]", R"([{"op":"add","path":"1.2","value":"foo"}])"), "eval_builtin_error");
}

TEST(JsonPatchBuiltins, SetsAreAddressedByElement) {
  auto doc = Value::object({{Str("foo"), S({Str("a"), Str("b"), Str("c")})}});
  EXPECT_EQ(ok("json.patch", {doc, J(R"([{"op":"remove","path":"foo/b"}])")}).to_json(),
            R"({"foo":["a","c"]})");
  EXPECT_EQ(ok("json.patch", {doc, J(R"([{"op":"add","path":"foo/d","value":"d"}])")}).to_json(),
            R"({"foo":["a","b","c","d"]})");
  EXPECT_EQ(err("json.patch", {doc, J(R"([{"op":"add","path":"foo/d","value":"e"}])")}).code,
            "eval_builtin_error");
  auto nested = S({J("[1]")});
  EXPECT_EQ(ok("json.patch", {nested, Value::array({Value::object({{Str("op"), Str("add")},
                                                                   {Str("path"), J("[[1], 1]")},
                                                                   {Str("value"), I(2)}})})})
                .to_json(),
            "[[1,2]]");
}

}  // namespace
}  // namespace mcpgw::policy::rego::testing

namespace mcpgw::policy::rego::testing {
namespace {

TEST(JsonSchemaBuiltins, VerifySchema) {
  EXPECT_EQ(okj("json.verify_schema", {Str(R"({"type": "boolean"})")}), "[true,null]");
  EXPECT_EQ(okj("json.verify_schema", {J(R"({"type": "boolean"})")}), "[true,null]");
  EXPECT_EQ(ok("json.verify_schema", {J(R"({"type": "unknown_type"})")}).items()[1].as_string(),
            "jsonschema: has a primitive type that is NOT VALID -- given: /unknown_type/ Expected "
            "valid values "
            "are:[array boolean integer number null object string]");
  EXPECT_EQ(ok("json.verify_schema", {Str("{")}).items()[0].to_json(), "false");
  EXPECT_EQ(err("json.verify_schema", {I(1)}).code, "eval_type_error");
}

TEST(JsonSchemaBuiltins, MatchSchemaReportsGoJsonSchemaErrors) {
  auto schema = J(
      R"({"properties": {"id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"},
                      "maxItems": 2}, "name": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$"},
                      "mode": {"enum": ["r", "w"]}, "n": {"minimum": 1, "maximum": 10}},
                      "required": ["id"], "additionalProperties": false})");
  EXPECT_EQ(okj("json.match_schema", {J(R"({"id": 5})"), schema}), "[true,[]]");
  EXPECT_EQ(okj("json.match_schema", {Str(R"({"id": 5})"), Str(schema.to_json())}), "[true,[]]");
  EXPECT_EQ(
      okj("json.match_schema", {J(R"({"id": "foo"})"), schema}),
      R"([false,[{"desc":"Invalid type. Expected: integer, given: string","error":"id: Invalid type. )"
      R"(Expected: integer, given: string","field":"id","type":"invalid_type"}]])");
  auto result =
      ok("json.match_schema",
         {J(R"({"tags": ["a", 1, "c"], "name": "X", "mode": "x", "n": 11, "extra": 1})"), schema});
  EXPECT_EQ(result.items()[0].to_json(), "false");
  std::vector<std::string> errors;
  for (const auto& e : result.items()[1].items()) errors.push_back(e.find("error")->as_string());
  std::vector<std::string> want = {
      "(root): id is required",
      "(root): Additional property extra is not allowed",
      "mode: mode must be one of the following: \"r\", \"w\"",
      "n: Must be less than or equal to 10",
      "name: String length must be greater than or equal to 2",
      "name: Does not match pattern '^[a-z]+$'",
      "tags.1: Invalid type. Expected: string, given: integer",
      "tags: Array must have at most 2 items",
  };
  std::sort(errors.begin(), errors.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(errors, want);
  auto e = err("json.match_schema", {J("{}"), J(R"({"properties": {"id": {"type": "unknown"}}})")});
  EXPECT_EQ(e.message,
            "json.match_schema: has a primitive type that is NOT VALID -- given: /unknown/ "
            "Expected valid values "
            "are:[array boolean integer number null object string]");
}

TEST(JsonSchemaBuiltins, CombinatorsAndRefs) {
  auto schema = J(R"({"definitions": {"pos": {"type": "number", "exclusiveMinimum": 0}},
                      "anyOf": [{"$ref": "#/definitions/pos"}, {"type": "string"}]})");
  EXPECT_EQ(okj("json.match_schema", {I(3), schema}), "[true,[]]");
  EXPECT_EQ(okj("json.match_schema", {Str("\"x\""), schema}),
            "[true,[]]");  // a string document is JSON text
  EXPECT_EQ(err("json.match_schema", {Str("x"), schema}).code, "eval_builtin_error");
  auto bad = ok("json.match_schema", {I(0), schema});
  EXPECT_EQ(bad.items()[1].items()[0].find("type")->as_string(), "number_any_of");
  auto one = J(R"({"oneOf": [{"type": "integer"}, {"type": "number"}]})");
  EXPECT_EQ(ok("json.match_schema", {I(1), one}).items()[0].to_json(), "false");
  EXPECT_EQ(ok("json.match_schema", {J("1.5"), one}).items()[0].to_json(), "true");
  EXPECT_EQ(ok("json.match_schema", {J("[1, 1]"), J(R"({"uniqueItems": true})")})
                .items()[1]
                .items()[0]
                .find("desc")
                ->as_string(),
            "array items[0,1] must be unique");
}

}  // namespace
}  // namespace mcpgw::policy::rego::testing
