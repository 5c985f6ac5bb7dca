#include "audit/spool.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_support.h"

namespace mcpgw::audit {
namespace {

std::vector<Event> linked(int from, int to, ChainHead& head) {
  std::vector<Event> out;
  for (int i = from; i < to; ++i) {
    Event e = test::sample_event(i);
    e.id = "0190f000-0000-7000-8000-" + std::string(12 - std::to_string(i).size(), '0') +
           std::to_string(i);
    e.instance = "gw";
    e.time_us = 1'700'000'000'000'000 + i;
    link(e, head);
    out.push_back(e);
  }
  return out;
}

TEST(Spool, ReplaysInOrderAcrossReopenThenEmpties) {
  test::TempDir tmp;
  ChainHead head;
  {
    Spool spool(tmp.path());
    spool.append(linked(0, 5, head));
    spool.append(linked(5, 12, head));
    EXPECT_FALSE(spool.empty());
  }
  Spool spool(tmp.path());  // as after a crash: the file is all there is
  ASSERT_TRUE(spool.last_head("gw"));
  EXPECT_EQ(spool.last_head("gw")->seq, 12);
  EXPECT_EQ(spool.last_head("gw")->hash, head.hash);
  std::vector<std::string> order;
  size_t n = spool.replay(5, [&](const std::vector<Event>& b) {
    EXPECT_LE(b.size(), 5u);
    for (const auto& e : b) order.push_back(e.trace_id);
  });
  EXPECT_EQ(n, 12u);
  ASSERT_EQ(order.size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(order[i], "t-" + std::to_string(i));
  EXPECT_TRUE(spool.empty());
  EXPECT_EQ(test::read_file(tmp.file("spool.jsonl")), "");
}

TEST(Spool, FailedReplayResumesWhereItStopped) {
  test::TempDir tmp;
  ChainHead head;
  Spool spool(tmp.path());
  spool.append(linked(0, 10, head));
  int calls = 0;
  std::vector<std::string> written;
  EXPECT_THROW(spool.replay(4,
                            [&](const std::vector<Event>& b) {
                              if (++calls == 2) throw std::runtime_error("database went away");
                              for (const auto& e : b) written.push_back(e.trace_id);
                            }),
               std::runtime_error);
  EXPECT_FALSE(spool.empty());
  spool.append(linked(10, 11, head));  // newer events queue behind the spooled ones
  spool.replay(4, [&](const std::vector<Event>& b) {
    for (const auto& e : b) written.push_back(e.trace_id);
  });
  ASSERT_EQ(written.size(), 11u);
  for (int i = 0; i < 11; ++i) EXPECT_EQ(written[i], "t-" + std::to_string(i));
}

TEST(Spool, TornLastLineFromACrashIsCutOff) {
  test::TempDir tmp;
  ChainHead head;
  {
    Spool spool(tmp.path());
    spool.append(linked(0, 3, head));
  }
  {
    std::ofstream f(tmp.file("spool.jsonl"), std::ios::app);
    f << "{\"id\":\"0190f000-0000-7000-8000-0000000";  // the crash hit mid-write
  }
  Spool spool(tmp.path());
  EXPECT_EQ(spool.last_head("gw")->seq, 3);
  spool.append(linked(3, 4, head));
  size_t n = spool.replay(100, [](const std::vector<Event>&) {});
  EXPECT_EQ(n, 4u);
}

TEST(Spool, OneProcessPerSpoolFolder) {
  test::TempDir tmp;
  Spool first(tmp.path());
  // flock locks belong to the open file description: a second open in this process conflicts.
  try {
    Spool second(tmp.path());
    FAIL() << "a second spool on the same folder was allowed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("in use by another gateway process"), std::string::npos);
  }
}

TEST(Spool, UnusableFolderIsAClearError) {
  test::TempDir tmp;
  std::ofstream(tmp.file("afile")) << "x";
  try {
    Spool s(tmp.file("afile") + "/spool");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("audit spool: cannot create"), std::string::npos)
        << e.what();
  }
}

TEST(Spool, SavedHeadRemembersTheChainPosition) {
  test::TempDir tmp;
  Spool spool(tmp.path());
  EXPECT_FALSE(spool.saved_head("gw"));
  spool.save_head("gw", ChainHead{42, std::string(64, 'b')});
  EXPECT_EQ(spool.saved_head("gw")->seq, 42);
  EXPECT_FALSE(spool.saved_head("other"));
}

}  // namespace
}  // namespace mcpgw::audit
