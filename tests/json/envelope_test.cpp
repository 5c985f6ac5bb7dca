// Tests for the JSON-RPC envelope scanner: the gateway reads ids, methods and routing fields from
// untrusted bodies with it, so every malformed input must be refused and never misread.
#include "json/envelope.h"

#include <gtest/gtest.h>

#include <string>

namespace mcpgw::json {
namespace {

constexpr size_t npos = std::string_view::npos;

std::string nested(int depth, char open, char close, std::string_view inner = "1") {
  return std::string(depth, open) + std::string(inner) + std::string(depth, close);
}

// ---- skip_value ----

TEST(SkipValue, ScalarsEndWhereTheyEnd) {
  EXPECT_EQ(skip_value("true", 0), 4u);
  EXPECT_EQ(skip_value("false,", 0), 5u);
  EXPECT_EQ(skip_value("null]", 0), 4u);
  EXPECT_EQ(skip_value("  42 ", 0), 4u);
  EXPECT_EQ(skip_value("-0.5e+10", 0), 8u);
  EXPECT_EQ(skip_value("\"a\\\"b\"x", 0), 6u);
}

TEST(SkipValue, RejectsBadLiteralsAndNumbers) {
  for (std::string_view bad : {"tru", "nul", "fals", "True", "-", "+1", ".5", "1.", "1e", "1e+",
                               "-a", "NaN", "Infinity", "", "   "})
    EXPECT_EQ(skip_value(bad, 0), npos) << bad;
}

TEST(SkipValue, LeadingZeroStopsTheNumber) {
  // "01" is not a JSON number: the scanner stops after 0, and the caller sees trailing text.
  EXPECT_EQ(skip_value("01", 0), 1u);
  EXPECT_FALSE(parse_body("01").ok);
  EXPECT_EQ(skip_value("0x10", 0), 1u);
  EXPECT_FALSE(parse_body("[0x10]").ok);
}

TEST(SkipValue, HugeNumbersAreSkippedNotConverted) {
  std::string big = "1" + std::string(5000, '0') + ".5e99999";
  EXPECT_EQ(skip_value(big, 0), big.size());
}

TEST(SkipValue, StringsRejectControlCharactersAndBadEscapes) {
  EXPECT_EQ(skip_value(std::string("\"a\nb\""), 0), npos);
  EXPECT_EQ(skip_value(std::string("\"a\x01"
                                   "b\""),
                       0),
            npos);
  EXPECT_EQ(skip_value(std::string("\"a\0b\"", 5), 0), npos);
  EXPECT_EQ(skip_value("\"\\x\"", 0), npos);
  EXPECT_EQ(skip_value("\"\\u12G4\"", 0), npos);
  EXPECT_EQ(skip_value("\"\\u12\"", 0), npos);
  EXPECT_EQ(skip_value("\"\\u", 0), npos);
  EXPECT_EQ(skip_value("\"abc\\", 0), npos);
  EXPECT_EQ(skip_value("\"abc", 0), npos);
  EXPECT_EQ(skip_value("\"\\ud83d\\ude00\"", 0), 14u);
  // DEL and bytes >= 0x80 are allowed raw.
  EXPECT_EQ(skip_value("\"\x7f\xc3\xa9\"", 0), 5u);
}

TEST(SkipValue, ObjectsAndArraysNeedCorrectPunctuation) {
  for (std::string_view bad : {"{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}", "{\"a\" 1}",
                               "{\"a\":1 \"b\":2}", "[", "[1,]", "[,1]", "[1 2]", "{,}", "{1:2}"})
    EXPECT_EQ(skip_value(bad, 0), npos) << bad;
  EXPECT_EQ(skip_value("{ }", 0), 3u);
  EXPECT_EQ(skip_value("[ ]", 0), 3u);
  EXPECT_EQ(skip_value("{\"a\":[1,{\"b\":null}]}", 0), 20u);
}

TEST(SkipValue, DepthLimitHoldsForArraysAndObjects) {
  EXPECT_NE(skip_value(nested(200, '[', ']'), 0), npos);
  EXPECT_EQ(skip_value(nested(300, '[', ']'), 0), npos);
  std::string obj;
  for (int i = 0; i < 300; ++i) obj += "{\"a\":";
  obj += "1" + std::string(300, '}');
  EXPECT_EQ(skip_value(obj, 0), npos);
  // Far beyond the limit must fail cleanly, not overflow the stack.
  EXPECT_EQ(skip_value(nested(1'000'000, '[', ']'), 0), npos);
}

// ---- parse_body ----

TEST(ParseBody, OneObject) {
  std::string t = "  {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n";
  auto p = parse_body(t);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_FALSE(p.batch);
  ASSERT_EQ(p.elements.size(), 1u);
  EXPECT_EQ(p.elements[0].in(t), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
}

TEST(ParseBody, BatchElementsAreSplit) {
  std::string t = "[ {\"a\":1} ,{\"b\":[2]},\n3 ]";
  auto p = parse_body(t);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_TRUE(p.batch);
  ASSERT_EQ(p.elements.size(), 3u);
  EXPECT_EQ(p.elements[0].in(t), "{\"a\":1}");
  EXPECT_EQ(p.elements[1].in(t), "{\"b\":[2]}");
  EXPECT_EQ(p.elements[2].in(t), "3");
}

TEST(ParseBody, EmptyBatchIsWellFormedWithNoElements) {
  // The endpoint answers an empty batch with Invalid Request; the scanner reports it as such.
  auto p = parse_body(" [ ] ");
  EXPECT_TRUE(p.ok);
  EXPECT_TRUE(p.batch);
  EXPECT_TRUE(p.elements.empty());
}

TEST(ParseBody, EmptyAndWhitespaceBodies) {
  EXPECT_FALSE(parse_body("").ok);
  EXPECT_EQ(parse_body("").error, "empty body");
  EXPECT_FALSE(parse_body(" \n\t ").ok);
}

TEST(ParseBody, TrailingGarbageIsRefused) {
  for (std::string_view bad : {"{}x", "{} {}", "{}}", "[]]", "[] x", "[1]{}"}) {
    auto p = parse_body(bad);
    EXPECT_FALSE(p.ok) << bad;
    EXPECT_TRUE(p.elements.empty()) << bad;
    EXPECT_FALSE(p.error.empty());
  }
  std::string with_nul("{}\0", 3);
  EXPECT_FALSE(parse_body(with_nul).ok);
}

TEST(ParseBody, EveryTruncationOfAValidMessageIsRefused) {
  std::string t =
      R"({"jsonrpc":"2.0","id":"a\u00e9\ud83d\ude00","method":"tools/call","params":{"name":"x","arguments":{"n":[1,-2.5e3,true,false,null]}}})";
  ASSERT_TRUE(parse_body(t).ok);
  for (size_t n = 0; n < t.size(); ++n) EXPECT_FALSE(parse_body(t.substr(0, n)).ok) << n;
  std::string batch = "[" + t + "," + t + "]";
  ASSERT_TRUE(parse_body(batch).ok);
  for (size_t n = 0; n < batch.size(); ++n) EXPECT_FALSE(parse_body(batch.substr(0, n)).ok) << n;
}

TEST(ParseBody, MalformedBatches) {
  for (std::string_view bad : {"[", "[{}", "[{},", "[{},]", "[,{}]", "[{} {}]", "[{}}"})
    EXPECT_FALSE(parse_body(bad).ok) << bad;
}

TEST(ParseBody, DeepNestingBeyondTheLimitIsRefused) {
  EXPECT_TRUE(parse_body("{\"a\":" + nested(200, '[', ']') + "}").ok);
  EXPECT_FALSE(parse_body("{\"a\":" + nested(400, '[', ']') + "}").ok);
  EXPECT_FALSE(parse_body(nested(400, '[', ']')).ok);
  EXPECT_FALSE(parse_body(std::string(100'000, '[')).ok);
}

// ---- read_envelope ----

Envelope env(std::string_view t) {
  return read_envelope(t);
}

TEST(ReadEnvelope, RequestWithObjectParams) {
  std::string t =
      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"srv__echo","arguments":{"name":"inner"},"_meta":{"progressToken":"pt-1"}}})";
  auto e = env(t);
  ASSERT_EQ(e.kind, MessageKind::Request) << e.invalid_reason;
  EXPECT_EQ(e.id.in(t), "7");
  EXPECT_EQ(e.method.in(t), "\"tools/call\"");
  EXPECT_EQ(e.method_name(t), "tools/call");
  EXPECT_EQ(e.name.in(t), "\"srv__echo\"");  // not the nested arguments.name
  EXPECT_EQ(e.arguments.in(t), R"({"name":"inner"})");
  EXPECT_EQ(e.progress_token.in(t), "\"pt-1\"");
  EXPECT_EQ(e.params.in(t).front(), '{');
  EXPECT_EQ(e.params.in(t).back(), '}');
}

TEST(ReadEnvelope, IdsOfEveryAllowedType) {
  for (std::string_view id : {"0", "-1", "12345678901234567890123", "1.5", "-2e3", "\"\"",
                              "\"abc\"", "\"a\\\"b\"", "\"\\ud83d\\ude00\""}) {
    std::string t =
        std::string(R"({"jsonrpc":"2.0","method":"ping","id":)") + std::string(id) + "}";
    auto e = env(t);
    EXPECT_EQ(e.kind, MessageKind::Request) << id << ": " << e.invalid_reason;
    EXPECT_EQ(e.id.in(t), id);
  }
}

TEST(ReadEnvelope, RequestIdsOfOtherTypesAreRefused) {
  for (std::string_view id : {"null", "true", "false", "{}", "[1]", "{\"a\":1}"}) {
    std::string t =
        std::string(R"({"jsonrpc":"2.0","method":"ping","id":)") + std::string(id) + "}";
    auto e = env(t);
    EXPECT_EQ(e.kind, MessageKind::Invalid) << id;
    EXPECT_EQ(e.invalid_reason, "id must be a string or a number") << id;
  }
}

TEST(ReadEnvelope, NotificationHasNoId) {
  std::string t =
      R"({"method":"notifications/progress","jsonrpc":"2.0","params":{"progressToken":5,"progress":1}})";
  auto e = env(t);
  ASSERT_EQ(e.kind, MessageKind::Notification) << e.invalid_reason;
  EXPECT_FALSE(e.id.present());
  EXPECT_EQ(e.progress_token.in(t), "5");
}

TEST(ReadEnvelope, CancelledCarriesRequestId) {
  std::string t =
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"r-9","reason":"x"}})";
  auto e = env(t);
  ASSERT_EQ(e.kind, MessageKind::Notification);
  EXPECT_EQ(e.request_id.in(t), "\"r-9\"");
}

TEST(ReadEnvelope, UriAndRefAreFound) {
  std::string t =
      R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"test://x/{y}"}})";
  EXPECT_EQ(env(t).uri.in(t), "\"test://x/{y}\"");
  std::string c =
      R"({"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{}}})";
  auto e = env(c);
  EXPECT_EQ(e.ref.in(c), R"({"type":"ref/prompt","name":"p"})");
  EXPECT_FALSE(e.name.present());  // ref.name is not params.name
}

TEST(ReadEnvelope, ParamsArrayIsAcceptedAndNotSearched) {
  std::string t = R"({"jsonrpc":"2.0","id":1,"method":"m","params":[{"name":"x"},2]})";
  auto e = env(t);
  ASSERT_EQ(e.kind, MessageKind::Request) << e.invalid_reason;
  EXPECT_EQ(e.params.in(t), R"([{"name":"x"},2])");
  EXPECT_FALSE(e.name.present());
}

TEST(ReadEnvelope, ParamsOfOtherTypesAreRefused) {
  for (std::string_view p : {"1", "\"s\"", "null", "true"}) {
    std::string t =
        std::string(R"({"jsonrpc":"2.0","id":1,"method":"m","params":)") + std::string(p) + "}";
    auto e = env(t);
    EXPECT_EQ(e.kind, MessageKind::Invalid) << p;
    EXPECT_EQ(e.invalid_reason, "params must be an object or an array") << p;
  }
}

TEST(ReadEnvelope, Responses) {
  std::string ok = R"({"jsonrpc":"2.0","id":"x","result":{"content":[]}})";
  auto e = env(ok);
  ASSERT_EQ(e.kind, MessageKind::Response);
  EXPECT_EQ(e.result.in(ok), R"({"content":[]})");
  std::string err = R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}})";
  auto f = env(err);
  ASSERT_EQ(f.kind, MessageKind::Response) << f.invalid_reason;
  EXPECT_EQ(f.id.in(err), "null");
  // result: null is still a result (present because the value text is "null").
  std::string null_result = R"({"jsonrpc":"2.0","id":1,"result":null})";
  EXPECT_EQ(env(null_result).kind, MessageKind::Response);
}

TEST(ReadEnvelope, ResponseWithBothResultAndErrorIsRefused) {
  auto e = env(R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}})");
  EXPECT_EQ(e.kind, MessageKind::Invalid);
  EXPECT_EQ(e.invalid_reason, "a response cannot carry both result and error");
}

TEST(ReadEnvelope, ResponseWithoutIdIsRefused) {
  auto e = env(R"({"jsonrpc":"2.0","result":{}})");
  EXPECT_EQ(e.kind, MessageKind::Invalid);
  EXPECT_EQ(e.invalid_reason, "a response needs an id");
}

TEST(ReadEnvelope, RequestCarryingResultIsRefused) {
  auto e = env(R"({"jsonrpc":"2.0","id":1,"method":"m","result":{}})");
  EXPECT_EQ(e.kind, MessageKind::Invalid);
  EXPECT_EQ(e.invalid_reason, "a request cannot carry result or error");
}

TEST(ReadEnvelope, MethodMustBeAString) {
  for (std::string_view m : {"1", "null", "[\"a\"]", "{}"}) {
    std::string t = std::string(R"({"jsonrpc":"2.0","id":1,"method":)") + std::string(m) + "}";
    auto e = env(t);
    EXPECT_EQ(e.kind, MessageKind::Invalid) << m;
    EXPECT_EQ(e.invalid_reason, "method must be a string");
  }
}

TEST(ReadEnvelope, JsonrpcVersionMustBeExactly20) {
  for (std::string_view v : {"", R"("jsonrpc":"1.0",)", R"("jsonrpc":2.0,)", R"("jsonrpc":"2.0 ",)",
                             R"("jsonrpc":"\u0032.0",)", R"("jsonrpc":null,)"}) {
    std::string t = "{" + std::string(v) + R"("id":1,"method":"m"})";
    auto e = env(t);
    EXPECT_EQ(e.kind, MessageKind::Invalid) << v;
    EXPECT_EQ(e.invalid_reason, "jsonrpc must be \"2.0\"") << v;
  }
}

TEST(ReadEnvelope, NotAnObject) {
  for (std::string_view t : {"[]", "1", "\"x\"", "", "  ", "null"}) {
    auto e = env(t);
    EXPECT_EQ(e.kind, MessageKind::Invalid);
    EXPECT_EQ(e.invalid_reason, "message is not a JSON object") << t;
  }
}

TEST(ReadEnvelope, MalformedObjectIsInvalid) {
  for (std::string_view t : {"{", R"({"jsonrpc":"2.0","id":1,"method":"m")",
                             R"({"jsonrpc":"2.0",})", R"({"jsonrpc":"2.0","id":01})"}) {
    auto e = env(t);
    EXPECT_EQ(e.kind, MessageKind::Invalid) << t;
    EXPECT_FALSE(e.invalid_reason.empty());
  }
}

TEST(ReadEnvelope, NeitherMethodNorResult) {
  auto e = env(R"({"jsonrpc":"2.0","id":1})");
  EXPECT_EQ(e.kind, MessageKind::Invalid);
  EXPECT_EQ(e.invalid_reason, "message has neither method nor result nor error");
}

TEST(ReadEnvelope, KeysAreMatchedExactlyNotByPrefixOrEscape) {
  // "idx", "\u0069d" and "method2" are not envelope keys.
  std::string t = R"({"jsonrpc":"2.0","idx":1,"\u0069d":2,"method2":"a","method":"m"})";
  auto e = env(t);
  EXPECT_EQ(e.kind, MessageKind::Notification);
  EXPECT_FALSE(e.id.present());
}

// Duplicate keys: a gateway that reads one copy while the upstream reads another could be tricked
// into authorizing one tool and calling another. The scanner refuses them in the envelope and
// in the routed params fields.
TEST(ReadEnvelope, DuplicateEnvelopeKeysAreRefused) {
  for (std::string_view t :
       {R"({"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call"})",
        R"({"jsonrpc":"2.0","id":1,"id":2,"method":"m"})",
        R"({"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"method":"m"})",
        R"({"jsonrpc":"2.0","id":1,"method":"m","params":{},"params":{}})",
        R"({"jsonrpc":"2.0","id":1,"result":{},"result":{}})"}) {
    auto e = env(t);
    EXPECT_EQ(e.kind, MessageKind::Invalid) << t;
    EXPECT_NE(e.invalid_reason.find("duplicate"), std::string::npos) << e.invalid_reason;
  }
}

TEST(ReadEnvelope, DuplicateRoutedParamsAreRefused) {
  for (
      std::string_view t :
      {R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"allowed","name":"secret"}})",
       R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"a://1","uri":"a://2"}})",
       R"({"jsonrpc":"2.0","id":1,"method":"m","params":{"_meta":{"progressToken":1,"progressToken":2}}})"}) {
    auto e = env(t);
    EXPECT_EQ(e.kind, MessageKind::Invalid) << t;
    EXPECT_NE(e.invalid_reason.find("duplicate"), std::string::npos) << e.invalid_reason;
  }
  // Duplicates deeper inside arguments are the tool's business, not the gateway's.
  std::string ok =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"a":1,"a":2}}})";
  EXPECT_EQ(env(ok).kind, MessageKind::Request);
}

TEST(ReadEnvelope, SpansAreInsideTheText) {
  std::string t =
      R"(  {"jsonrpc":"2.0","id":"q","method":"x","params":{"name":"n","uri":"u","progressToken":"p","requestId":3,"ref":{},"arguments":[]}}  )";
  auto e = env(t);
  ASSERT_EQ(e.kind, MessageKind::Request) << e.invalid_reason;
  for (Span s : {e.jsonrpc, e.id, e.method, e.params, e.name, e.uri, e.progress_token, e.request_id,
                 e.ref, e.arguments}) {
    EXPECT_TRUE(s.present());
    EXPECT_LE(s.pos + s.len, t.size());
  }
}

// ---- decode_string / quote ----

std::string decoded(std::string_view q) {
  std::string out;
  EXPECT_TRUE(decode_string(q, out)) << q;
  return out;
}

TEST(DecodeString, SimpleEscapes) {
  EXPECT_EQ(decoded(R"("a\"b\\c\/d\n\t\r\b\f")"), "a\"b\\c/d\n\t\r\b\f");
  EXPECT_EQ(decoded("\"\""), "");
}

TEST(DecodeString, UnicodeEscapes) {
  EXPECT_EQ(decoded(R"("\u0041")"), "A");
  EXPECT_EQ(decoded(R"("\u00e9")"), "\xc3\xa9");
  EXPECT_EQ(decoded(R"("\u20AC")"), "\xe2\x82\xac");
  EXPECT_EQ(decoded(R"("\u0000")"), std::string("\0", 1));
  EXPECT_EQ(decoded(R"("\ud83d\ude00")"), "\xf0\x9f\x98\x80");  // U+1F600
  EXPECT_EQ(decoded(R"("\uDBFF\uDFFF")"), "\xf4\x8f\xbf\xbf");  // U+10FFFF
  EXPECT_EQ(decoded(R"("x\ud83d\ude00y")"), "x\xf0\x9f\x98\x80y");
}

TEST(DecodeString, LoneSurrogatesBecomeReplacementCharacter) {
  // A lone surrogate has no UTF-8 form; emitting its CESU bytes would hand invalid UTF-8 on.
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(decoded(R"("\ud83d")"), fffd);
  EXPECT_EQ(decoded(R"("\ude00")"), fffd);
  EXPECT_EQ(decoded(R"("\ud83dx")"), fffd + "x");
  EXPECT_EQ(decoded(R"("\ud83d\u0041")"), fffd + "A");
  EXPECT_EQ(decoded(R"("\ud83d\ud83d\ude00")"), fffd + "\xf0\x9f\x98\x80");
}

TEST(DecodeString, RefusesNonStringsAndBrokenEscapes) {
  std::string out;
  for (std::string_view bad : {"", "\"", "abc", "\"abc", "abc\"", "1", R"("\")", R"("\u12")",
                               R"("\u12G4")", R"("\uZZZZ")", R"("\x")", R"("a\")"})
    EXPECT_FALSE(decode_string(bad, out)) << bad;
}

TEST(Quote, EscapesWhatJsonRequires) {
  EXPECT_EQ(quote("plain"), "\"plain\"");
  EXPECT_EQ(quote("a\"b\\c\nd\re\tf"), R"("a\"b\\c\nd\re\tf")");
  EXPECT_EQ(quote(std::string("\x01\x1f\0", 3)), R"("\u0001\u001f\u0000")");
  EXPECT_EQ(quote("\xc3\xa9"), "\"\xc3\xa9\"");
}

TEST(Quote, RoundTripsThroughDecodeAndSkip) {
  std::string all;
  for (int c = 1; c < 256; ++c) all += static_cast<char>(c);
  all += '\0';
  std::string q = quote(all);
  EXPECT_EQ(skip_value(q, 0), q.size());
  EXPECT_EQ(decoded(q), all);
  std::string appended = "x";
  append_quoted(appended, "y");
  EXPECT_EQ(appended, "x\"y\"");
}

// ---- splice ----

TEST(Splice, SeveralEditsInAnyOrder) {
  std::string t =
      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"srv__echo","_meta":{"progressToken":7}}})";
  auto e = read_envelope(t);
  ASSERT_EQ(e.kind, MessageKind::Request);
  std::string out =
      splice(t, {{e.progress_token, "\"g-1\""}, {e.id, "1001"}, {e.name, "\"echo\""}});
  EXPECT_EQ(
      out,
      R"({"jsonrpc":"2.0","id":1001,"method":"tools/call","params":{"name":"echo","_meta":{"progressToken":"g-1"}}})");
  auto again = read_envelope(out);
  EXPECT_EQ(again.kind, MessageKind::Request);
  EXPECT_EQ(again.id.in(out), "1001");
  EXPECT_EQ(again.progress_token.in(out), "\"g-1\"");
}

TEST(Splice, EditsAtTheEdgesAndEmptyOnes) {
  EXPECT_EQ(splice("abcdef", {}), "abcdef");
  EXPECT_EQ(splice("abcdef", {{Span{0, 1}, "X"}, {Span{5, 1}, "YZ"}}), "XbcdeYZ");
  EXPECT_EQ(splice("abcdef", {{Span{2, 2}, ""}}), "abef");
  EXPECT_EQ(splice("abcdef", {{Span{3, 0}, "--"}}), "abc--def");  // insertion
  EXPECT_EQ(splice("abcdef", {{Span{0, 6}, "all"}}), "all");
  EXPECT_EQ(splice("", {{Span{0, 0}, "x"}}), "x");
}

}  // namespace
}  // namespace mcpgw::json
