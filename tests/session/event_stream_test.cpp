// Tests for EventStream: SSE framing, the replay buffer, resumption after a sequence number,
// persistent streams, owed responses finishing a stream, and the detach grace period. The timers
// are real: each test runs its own io_context, bounded in time.
#include "session/event_stream.h"

#include <gtest/gtest.h>

#include <chrono>

namespace mcpgw::session {
namespace {

using namespace std::chrono_literals;

std::string sse(std::string_view id, std::string_view data) {
  std::string out;
  format_sse_event(out, id, data);
  return out;
}

TEST(FormatSseEvent, SingleLine) {
  EXPECT_EQ(sse("3-1", R"({"a":1})"), "id: 3-1\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(sse("0-9", ""), "id: 0-9\ndata: \n\n");
}

TEST(FormatSseEvent, NewlinesSplitIntoDataLines) {
  EXPECT_EQ(sse("1-1", "{\n\"a\": 1\n}"), "id: 1-1\ndata: {\ndata: \"a\": 1\ndata: }\n\n");
  EXPECT_EQ(sse("1-1", "a\r\nb"), "id: 1-1\ndata: a\ndata: b\n\n");
  EXPECT_EQ(sse("1-1", "a\n"), "id: 1-1\ndata: a\ndata: \n\n");
  EXPECT_EQ(sse("1-1", "\n\n"), "id: 1-1\ndata: \ndata: \ndata: \n\n");
}

TEST(FormatSseEvent, NoBareCarriageReturnEndsALine) {
  // SSE treats a lone CR as a line end: an event must never contain one, or a payload could
  // inject "event:"/"id:" fields into the stream.
  std::string out = sse("1-1", "a\rid: 99-99\rb");
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  EXPECT_EQ(out.find("\nid: 99"), std::string::npos) << out;
}

class EventStreamTest : public ::testing::Test {
 protected:
  std::shared_ptr<EventStream> make(EventStream::Mode mode, uint64_t id = 5, size_t replay = 4) {
    return std::make_shared<EventStream>(io_, mode, id, replay);
  }
  // Runs the io_context until pred() or the deadline; returns pred().
  template <typename Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit = 2000ms) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < end) {
      io_.restart();
      io_.run_for(5ms);
    }
    return pred();
  }
  asio::io_context io_;
};

TEST_F(EventStreamTest, JsonModeKeepsOnlyResponses) {
  auto s = make(EventStream::Mode::Json);
  std::vector<std::string> seen;
  s->on_response = [&](std::string_view r, const EventStream::ResponseFacts*) {
    seen.emplace_back(r);
  };
  s->send(R"({"method":"notifications/progress"})", false);
  s->send(R"({"id":1,"result":{}})", true);
  EXPECT_EQ(s->json_responses(), (std::vector<std::string>{R"({"id":1,"result":{}})"}));
  EXPECT_EQ(seen, s->json_responses());
  uint64_t after = 0;
  std::string out;
  EXPECT_TRUE(s->pull_events(after, out));
  EXPECT_EQ(out, "");
}

TEST_F(EventStreamTest, SseEventsCarryStreamAndSequence) {
  auto s = make(EventStream::Mode::Sse, 7);
  s->send_priming_event(3000);
  s->send("A", false);
  s->send("B", true);
  uint64_t after = 0;
  std::string out;
  ASSERT_TRUE(s->pull_events(after, out));
  EXPECT_EQ(out, "id: 7-1\nretry: 3000\ndata: \n\nid: 7-2\ndata: A\n\nid: 7-3\ndata: B\n\n");
  EXPECT_EQ(after, 3u);
  EXPECT_EQ(s->unsent_from(), 3u);
  out.clear();
  ASSERT_TRUE(s->pull_events(after, out));
  EXPECT_EQ(out, "");
}

TEST_F(EventStreamTest, ResumeAfterASequenceReplaysTheRest) {
  auto s = make(EventStream::Mode::Sse, 1, 8);
  for (int i = 1; i <= 5; ++i) s->send("m" + std::to_string(i), false);
  uint64_t after = 0;
  std::string out;
  ASSERT_TRUE(s->pull_events(after, out));  // the first writer saw all five
  // The client reconnects with Last-Event-ID 1-3.
  uint64_t resume = 3;
  std::string replay;
  ASSERT_TRUE(s->pull_events(resume, replay));
  EXPECT_EQ(replay, "id: 1-4\ndata: m4\n\nid: 1-5\ndata: m5\n\n");
  EXPECT_EQ(resume, 5u);
}

TEST_F(EventStreamTest, ReplayBufferIsBoundedAndOldResumesFail) {
  auto s = make(EventStream::Mode::Sse, 1, 2);
  uint64_t after = 0;
  std::string out;
  for (int i = 1; i <= 10; ++i) {
    s->send("m" + std::to_string(i), false);
    ASSERT_TRUE(s->pull_events(after, out));
  }
  EXPECT_EQ(after, 10u);
  uint64_t recent = 8;
  std::string replay;
  EXPECT_TRUE(s->pull_events(recent, replay));
  EXPECT_EQ(replay, "id: 1-9\ndata: m9\n\nid: 1-10\ndata: m10\n\n");
  uint64_t old = 3;
  std::string none;
  EXPECT_FALSE(s->pull_events(old, none));  // events 4..8 are gone: the client must know
}

TEST_F(EventStreamTest, UnsentEventsAreKeptBeyondTheReplayLimit) {
  auto s = make(EventStream::Mode::Sse, 1, 1);
  for (int i = 1; i <= 6; ++i) s->send("m" + std::to_string(i), false);
  uint64_t after = 0;
  std::string out;
  ASSERT_TRUE(s->pull_events(after, out));
  for (int i = 1; i <= 6; ++i)
    EXPECT_NE(out.find("id: 1-" + std::to_string(i) + "\n"), std::string::npos) << i;
}

TEST_F(EventStreamTest, ForgedFutureLastEventIdDoesNotSkipEvents) {
  // A client claims to have seen event 1000 of a stream that has sent 2. That must not mark
  // future events as delivered: a later attach would silently lose them.
  auto s = make(EventStream::Mode::Sse, 1, 4);
  s->send("m1", false);
  s->send("m2", false);
  uint64_t forged = 1000;
  std::string out;
  EXPECT_FALSE(s->pull_events(forged, out));
  EXPECT_EQ(out, "");
  EXPECT_EQ(s->unsent_from(), 0u);
  s->send("m3", false);
  uint64_t fresh = s->unsent_from();
  std::string all;
  ASSERT_TRUE(s->pull_events(fresh, all));
  EXPECT_NE(all.find("data: m1\n"), std::string::npos);
  EXPECT_NE(all.find("data: m3\n"), std::string::npos);
}

TEST_F(EventStreamTest, OwedResponsesFinishTheStream) {
  auto s = make(EventStream::Mode::Sse);
  s->expect_responses(2);
  s->send("r1", true);
  s->response_done();
  EXPECT_FALSE(s->finished());
  s->send("r2", true);
  s->response_done();
  EXPECT_TRUE(s->finished());
  s->send("late", true);  // ignored after finishing
  uint64_t after = 0;
  std::string out;
  ASSERT_TRUE(s->pull_events(after, out));
  EXPECT_EQ(out.find("late"), std::string::npos);
  EXPECT_NE(out.find("r2"), std::string::npos);
  s->response_done();  // extra calls are harmless
  EXPECT_TRUE(s->finished());
}

TEST_F(EventStreamTest, ResponseDoneWithoutOwedDoesNotFinish) {
  auto s = make(EventStream::Mode::Json);
  s->response_done();
  EXPECT_FALSE(s->finished());
}

TEST_F(EventStreamTest, PersistentStreamOutlivesItsResponses) {
  auto s = make(EventStream::Mode::Sse, 0);
  s->set_persistent();
  s->expect_responses(1);
  s->send("r", true);
  s->response_done();
  EXPECT_FALSE(s->finished());
  s->finish();
  EXPECT_TRUE(s->finished());
}

TEST_F(EventStreamTest, PushesWakeTheAttachedWriter) {
  auto s = make(EventStream::Mode::Sse);
  asio::steady_timer waker(io_, std::chrono::hours(1));
  bool woke = false;
  waker.async_wait([&](error_code ec) { woke = ec == asio::error::operation_aborted; });
  ASSERT_TRUE(s->attach(&waker));
  asio::steady_timer other(io_);
  EXPECT_FALSE(s->attach(&other));  // one writer at a time
  s->send("x", false);
  EXPECT_TRUE(run_until([&] { return woke; }));
  s->detach(0ms);
}

TEST_F(EventStreamTest, DetachWithoutGraceAbandonsAtOnce) {
  auto s = make(EventStream::Mode::Sse);
  int abandoned = 0;
  s->on_abandoned = [&] { ++abandoned; };
  asio::steady_timer waker(io_);
  ASSERT_TRUE(s->attach(&waker));
  s->detach(0ms);
  EXPECT_TRUE(s->abandoned());
  EXPECT_EQ(abandoned, 1);
  s->detach(0ms);
  EXPECT_EQ(abandoned, 1);  // once only
}

TEST_F(EventStreamTest, DetachGraceFiresOnAbandonedAfterTheDelay) {
  auto s = make(EventStream::Mode::Sse);
  int abandoned = 0;
  s->on_abandoned = [&] { ++abandoned; };
  asio::steady_timer waker(io_);
  ASSERT_TRUE(s->attach(&waker));
  auto start = std::chrono::steady_clock::now();
  s->detach(50ms);
  EXPECT_FALSE(s->abandoned());
  ASSERT_TRUE(run_until([&] { return abandoned > 0; }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  EXPECT_TRUE(s->abandoned());
  EXPECT_EQ(abandoned, 1);
}

TEST_F(EventStreamTest, ResumeWithinGraceCancelsAbandonment) {
  auto s = make(EventStream::Mode::Sse);
  bool abandoned = false;
  s->on_abandoned = [&] { abandoned = true; };
  asio::steady_timer w1(io_), w2(io_);
  ASSERT_TRUE(s->attach(&w1));
  s->detach(30ms);
  ASSERT_TRUE(s->attach(&w2));  // the client came back with Last-Event-ID
  run_until([] { return false; }, 100ms);
  EXPECT_FALSE(abandoned);
  EXPECT_FALSE(s->abandoned());
  s->detach(0ms);
  EXPECT_TRUE(abandoned);
}

TEST_F(EventStreamTest, FinishedStreamIsNeverAbandoned) {
  auto s = make(EventStream::Mode::Sse);
  bool abandoned = false;
  s->on_abandoned = [&] { abandoned = true; };
  asio::steady_timer w(io_);
  ASSERT_TRUE(s->attach(&w));
  s->detach(20ms);
  s->finish();
  run_until([] { return false; }, 80ms);
  EXPECT_FALSE(abandoned);
  s->detach(0ms);
  EXPECT_FALSE(abandoned);
}

TEST_F(EventStreamTest, StreamOutlivesItsOwnerWhileTheGraceTimerRuns) {
  bool abandoned = false;
  {
    auto s = make(EventStream::Mode::Sse);
    s->on_abandoned = [&] { abandoned = true; };
    asio::steady_timer w(io_);
    ASSERT_TRUE(s->attach(&w));
    s->detach(10ms);
  }  // the last outside reference is gone; the timer holds the stream (ASan checks the rest)
  EXPECT_TRUE(run_until([&] { return abandoned; }));
}

}  // namespace
}  // namespace mcpgw::session
