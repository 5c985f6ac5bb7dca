#include "audit/redact.h"

#include <gtest/gtest.h>

namespace mcpgw::audit {
namespace {

TEST(Redact, FieldsNamedByObligationsAnywhereOrByPath) {
  nlohmann::json args = {{"ssn", "123"}, {"a", {{"ssn", "456"}, {"b", {{"c", 1}, {"d", 2}}}}}};
  redact(args, {"ssn", "a.b.c"});
  EXPECT_EQ(args["ssn"], kRedacted);
  EXPECT_EQ(args["a"]["ssn"], kRedacted);
  EXPECT_EQ(args["a"]["b"]["c"], kRedacted);
  EXPECT_EQ(args["a"]["b"]["d"], 2);
}

TEST(Redact, PathThatDoesNotExistChangesNothing) {
  nlohmann::json args = {{"a", 1}};
  redact(args, {"x.y.z", "a.b", ""});
  EXPECT_EQ(args, (nlohmann::json{{"a", 1}}));
}

TEST(Redact, SecretKeyNames) {
  nlohmann::json args = {{"password", "hunter2"}, {"API-Key", "k"},       {"clientSecret", "s"},
                         {"access_token", "t"},   {"Authorization", "x"}, {"max_tokens", 100},
                         {"tokenizer", "gpt2"},   {"user", "alice"}};
  redact(args, {});
  EXPECT_EQ(args["password"], kRedacted);
  EXPECT_EQ(args["API-Key"], kRedacted);
  EXPECT_EQ(args["clientSecret"], kRedacted);
  EXPECT_EQ(args["access_token"], kRedacted);
  EXPECT_EQ(args["Authorization"], kRedacted);
  EXPECT_EQ(args["max_tokens"], 100);  // a number, and not a token
  EXPECT_EQ(args["tokenizer"], "gpt2");
  EXPECT_EQ(args["user"], "alice");
}

TEST(Redact, TokensInsideText) {
  EXPECT_EQ(redact_string("Authorization: Bearer abc.def"), "Authorization: Bearer [REDACTED]");
  EXPECT_EQ(redact_string("basic dXNlcjpwYXNz"), "basic [REDACTED]");
  EXPECT_EQ(redact_string("key=sk-abcdefghijklmnop1234 rest"), "key=[REDACTED] rest");
  EXPECT_EQ(redact_string("AKIAIOSFODNN7EXAMPLE"), "[REDACTED]");
  EXPECT_EQ(redact_string("token ghp_abcdefghijklmnopqrstuvwxyz0123456789"), "token [REDACTED]");
  EXPECT_EQ(redact_string("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnop"),
            "jwt [REDACTED]");
  EXPECT_EQ(
      redact_string("x -----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY----- y"),
      "x [REDACTED] y");
  EXPECT_EQ(redact_string("-----BEGIN PRIVATE KEY-----\nMIIB... cut"), "[REDACTED]");
  EXPECT_EQ(redact_string("hash d41d8cd98f00b204e9800998ecf8427ed41d8cd9"), "hash [REDACTED]");
  EXPECT_EQ(redact_string("q=Zx9Qm2Lp8Rt4Vb6Nc1Kd7Hs3Jf5Gw0Ty&x=1"), "q=[REDACTED]&x=1");
}

TEST(Redact, OrdinaryTextIsKept) {
  for (const char* s : {"hello world", "/home/alice/projects/mcp-gateway/src/audit/recorder.cpp",
                        "550e8400-e29b-41d4-a716-446655440000", "SELECT * FROM users WHERE id = 4",
                        "The quick brown fox jumps over the lazy dog 1234567890", "sk-short",
                        "https://example.com/path?page=2&sort=desc", ""}) {
    EXPECT_EQ(redact_string(s), s);
  }
}

TEST(Redact, WalksArraysAndNestedObjects) {
  nlohmann::json args = nlohmann::json::array({"Bearer xyz", {{"deep", {"AKIAIOSFODNN7EXAMPLE"}}}});
  redact(args, {});
  EXPECT_EQ(args[0], "Bearer [REDACTED]");
  EXPECT_EQ(args[1]["deep"][0], "[REDACTED]");
}

}  // namespace
}  // namespace mcpgw::audit
