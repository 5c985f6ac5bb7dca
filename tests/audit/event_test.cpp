// Event JSON, time text, UUIDv7, durations, the hash chain, sanitizing.
#include <gtest/gtest.h>

#include <set>

#include "audit/chain.h"
#include "audit/duration.h"
#include "audit/event.h"
#include "audit/sanitize.h"
#include "audit/uuid7.h"
#include "test_support.h"

namespace mcpgw::audit {
namespace {

TEST(Time, FormatsAndParsesMicroseconds) {
  int64_t t = parse_time("2026-11-25T18:55:00.123456Z");
  EXPECT_EQ(format_time(t), "2026-11-25T18:55:00.123456Z");
  EXPECT_EQ(parse_time("2026-11-25"), parse_time("2026-11-25T00:00:00Z"));
  EXPECT_EQ(parse_time("2026-11-25 19:55:00+01:00"), parse_time("2026-11-25T18:55:00Z"));
  EXPECT_EQ(parse_time("2026-11-25T18:55:00.5Z") % 1000000, 500000);
  EXPECT_EQ(format_time(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(Time, BadTextIsRefusedWithReason) {
  for (const char* bad :
       {"", "yesterday", "2026-13-01", "2026-11-25T25:00:00Z", "2026-11-25T10:00:00",
        "2026-11-25T10:00:00Zjunk", "2026-11-25T10:00:00.Z"})
    EXPECT_THROW(parse_time(bad), std::invalid_argument) << bad;
}

TEST(EventJson, RoundTrips) {
  Event e = test::sample_event(3, "deny");
  e.id = "0190f000-0000-7000-8000-000000000001";
  e.time_us = parse_time("2026-11-25T10:00:00.000001Z");
  e.instance = "gw";
  ChainHead head;
  link(e, head);
  Event back = event_from_json(nlohmann::json::parse(to_json(e).dump()));
  EXPECT_EQ(to_json(back), to_json(e));
  EXPECT_EQ(compute_hash(back), e.hash);
}

// to_json_line() is written by hand for speed: it must say what to_json() says, for any text.
TEST(EventJson, LineIsTheSameObjectAsToJson) {
  Event e = test::sample_event(4);
  e.id = "0190f000-0000-7000-8000-000000000002";
  e.instance = "gw";
  e.subject =
      "quote \" backslash \\ newline \n tab \t nul-free \x01 unicode \xc3\xa9 \xf0\x9f\x99\x82";
  e.roles = {"user", "a\"b"};
  e.arguments = {{"z", 1}, {"a", {{"nested", "x\ny"}}}, {"list", {1, 2.5, nullptr, true}}};
  e.error_code = -32601;
  ChainHead head;
  link(e, head);
  for (const Event& copy : {e, Event{}}) {  // also an empty event: error_code null, no roles
    std::string line = to_json_line(copy);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(nlohmann::json::parse(line), to_json(copy)) << line;
    // Keys in nlohmann's (sorted) order: the line reads like the events written before it.
    EXPECT_EQ(line.substr(0, 13), R"({"arguments":)");
    EXPECT_EQ(line.find(R"("user_agent":)") + 13 + 2 + copy.user_agent.size() + 1, line.size());
  }
  // Without link(): the arguments are serialized on the spot.
  Event unlinked = test::sample_event(5);
  unlinked.arguments = {{"k", "v"}};
  EXPECT_EQ(nlohmann::json::parse(to_json_line(unlinked))["arguments"], unlinked.arguments);
}

TEST(EventJson, WrongTypesAreNamed) {
  try {
    event_from_json({{"seq", "seven"}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'seq'"), std::string::npos);
  }
  EXPECT_THROW(event_from_json(nlohmann::json::array()), std::invalid_argument);
  EXPECT_THROW(event_from_json({{"roles", "admin"}}), std::invalid_argument);
}

TEST(Uuid7, IncreasingAndWellFormed) {
  Uuid7Generator gen;
  std::string prev;
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    std::string id = gen.next(1'700'000'000'000 + i / 100);  // 100 ids per millisecond
    ASSERT_TRUE(is_uuid7(id)) << id;
    ASSERT_GT(id, prev);
    seen.insert(id);
    prev = id;
  }
  EXPECT_EQ(seen.size(), 10000u);
  // A clock that steps back does not make ids go back.
  std::string before = gen.next(1'800'000'000'000);
  EXPECT_GT(gen.next(1'000'000'000'000), before);
}

TEST(Uuid7, TimestampIsInTheFirst48Bits) {
  Uuid7Generator gen;
  std::string id = gen.next(0x0190f0a1b2c3);
  EXPECT_EQ(id.substr(0, 13), "0190f0a1-b2c3");
  EXPECT_FALSE(is_uuid7("0190f0a1-b2c3-4000-8000-000000000000"));  // version 4
}

TEST(Duration, Units) {
  EXPECT_EQ(parse_duration("90d").count(), 90LL * 86'400'000);
  EXPECT_EQ(parse_duration("250ms").count(), 250);
  EXPECT_EQ(parse_duration("2w").count(), 14LL * 86'400'000);
  EXPECT_EQ(parse_duration("36h").count(), 36LL * 3'600'000);
  for (const char* bad : {"", "90", "d", "-1d", "1.5h", "10y", "99999999999999999999d"})
    EXPECT_THROW(parse_duration(bad), std::invalid_argument) << bad;
}

TEST(Chain, EveryStoredFieldIsCovered) {
  Event e = test::sample_event(1);
  e.id = "0190f000-0000-7000-8000-000000000001";
  e.instance = "gw";
  e.time_us = 1;
  ChainHead head;
  link(e, head);
  EXPECT_EQ(e.seq, 1);
  EXPECT_EQ(e.prev_hash, kGenesisHash);
  EXPECT_EQ(head.hash, e.hash);
  std::vector<std::function<void(Event&)>> edits = {
      [](Event& x) { x.id[35] = '2'; },
      [](Event& x) { x.instance = "other"; },
      [](Event& x) { x.seq = 2; },
      [](Event& x) { x.time_us += 1; },
      [](Event& x) { x.session_id += "x"; },
      [](Event& x) { x.subject += "x"; },
      [](Event& x) { x.roles.push_back("admin"); },
      [](Event& x) { x.client_addr += "x"; },
      [](Event& x) { x.user_agent += "x"; },
      [](Event& x) { x.mcp_method += "x"; },
      [](Event& x) { x.server += "x"; },
      [](Event& x) { x.target += "x"; },
      [](Event& x) { x.arguments["count"] = 2; },
      [](Event& x) { x.decision = "deny"; },
      [](Event& x) { x.reason += "x"; },
      [](Event& x) { x.policy_revision += "x"; },
      [](Event& x) { x.upstream_latency_us += 1; },
      [](Event& x) { x.outcome = "error"; },
      [](Event& x) { x.error_code = 1; },
      [](Event& x) { x.response_bytes += 1; },
      [](Event& x) { x.trace_id += "x"; },
      [](Event& x) { x.prev_hash[0] = '1'; },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    Event copy = e;
    edits[i](copy);
    EXPECT_NE(compute_hash(copy), e.hash) << "edit " << i << " is not covered by the hash";
  }
  // The serialization is JSON, whatever the strings hold.
  Event odd = e;
  odd.subject = "quote\" backslash\\ newline\n tab\t bell\x07";
  odd.roles = {"a\"b", ""};
  auto parsed = nlohmann::json::parse(canonical_serialization(odd));
  EXPECT_EQ(parsed[6], odd.subject);
  EXPECT_EQ(parsed[7], nlohmann::json(odd.roles));
  EXPECT_EQ(parsed[8], odd.arguments);
  EXPECT_EQ(parsed.size(), 23u);
  // Separator ambiguity: moving text between neighbouring fields changes the hash.
  Event a = e, b = e;
  a.subject = "ab";
  a.session_id = "c";
  b.subject = "a";
  b.session_id = "bc";
  EXPECT_NE(compute_hash(a), compute_hash(b));
}

TEST(Sanitize, InvalidUtf8AndNulBecomeReplacementCharacters) {
  std::string s = std::string("ok\xff\xfe", 4) + std::string("\0z", 2) + "\xe2\x82\xac";
  EXPECT_TRUE(sanitize_text(s));
  EXPECT_EQ(s, "ok\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\xe2\x82\xac");
  std::string fine = "caf\xc3\xa9";
  EXPECT_FALSE(sanitize_text(fine));
  std::string overlong = "\xc0\xaf";
  EXPECT_TRUE(sanitize_text(overlong));
  Event e;
  e.arguments = {{std::string("k\xff"), std::string("v\xff")}, {"neg", -0.0}};
  sanitize(e);
  EXPECT_EQ(e.arguments.dump(), "{\"k\xef\xbf\xbd\":\"v\xef\xbf\xbd\",\"neg\":0.0}");
}

}  // namespace
}  // namespace mcpgw::audit
