#include "upstream/sse_parser.h"

#include <gtest/gtest.h>

#include <vector>

namespace mcpgw::upstream {
namespace {

std::vector<SseEvent> parse_in_chunks(const std::string& stream, size_t chunk, SseParser& p) {
  std::vector<SseEvent> events;
  for (size_t i = 0; i < stream.size(); i += chunk)
    p.feed(std::string_view(stream).substr(i, chunk),
           [&](SseEvent e) { events.push_back(std::move(e)); });
  return events;
}

TEST(SseParser, FieldsCommentsAndMultiLineDataInEveryChunking) {
  std::string stream =
      ": keep-alive comment\r\n"
      "id: 1\r\n"
      "retry: 1500\r\n"
      "data:\r\n\r\n"  // a priming event: empty data
      "event: message\n"
      "data: {\"a\":\n"
      "data:1}\n"
      "id: 2\n\n"
      "event: endpoint\r"
      "data: /message?sessionId=x\r\r"
      "unknown: ignored\n"
      "data:no-space\n\n"
      "data: never dispatched without a blank line";
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    SseParser p;
    auto events = parse_in_chunks(stream, chunk, p);
    ASSERT_EQ(events.size(), 4u) << "chunk " << chunk;
    EXPECT_EQ(events[0].data, "");
    EXPECT_EQ(events[0].id, "1");
    EXPECT_EQ(events[1].type, "message");
    EXPECT_EQ(events[1].data, "{\"a\":\n1}");
    EXPECT_EQ(events[1].id, "2");
    EXPECT_EQ(events[2].type, "endpoint");
    EXPECT_EQ(events[2].data, "/message?sessionId=x");
    EXPECT_EQ(events[3].type, "message");
    EXPECT_EQ(events[3].data, "no-space");
    EXPECT_EQ(events[3].id, "2") << "the last event id persists";
    EXPECT_EQ(p.last_event_id(), "2");
    ASSERT_TRUE(p.retry().has_value());
    EXPECT_EQ(p.retry()->count(), 1500);
  }
}

TEST(SseParser, EventWithoutDataIsNotDispatchedAndResetsType) {
  SseParser p;
  std::vector<SseEvent> events;
  p.feed("event: ping\n\ndata: x\n\n", [&](SseEvent e) { events.push_back(std::move(e)); });
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "message");
}

TEST(SseParser, InvalidRetryIsIgnoredAndBomIsStripped) {
  SseParser p;
  std::vector<SseEvent> events;
  p.feed("\xEF\xBB\xBFretry: soon\ndata: x\n\n",
         [&](SseEvent e) { events.push_back(std::move(e)); });
  EXPECT_FALSE(p.retry().has_value());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x");
}

TEST(SseParser, OversizeEventThrows) {
  SseParser p(16);
  auto ignore = [](SseEvent) {};
  EXPECT_THROW(p.feed("data: 0123456789abcdefghij\n", ignore), SseError);
  SseParser q(16);
  EXPECT_THROW(q.feed("data: 0123456789abcdefghij", ignore), SseError);
}

}  // namespace
}  // namespace mcpgw::upstream
