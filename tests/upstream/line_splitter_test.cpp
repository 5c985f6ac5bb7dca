#include "upstream/line_splitter.h"

#include <gtest/gtest.h>

#include <vector>

namespace mcpgw::upstream {
namespace {

struct Lines {
  std::vector<std::string> got;
  std::vector<size_t> oversize;
  LineSplitter::LineFn line() {
    return [this](std::string l) { got.push_back(std::move(l)); };
  }
  LineSplitter::OversizeFn over() {
    return [this](size_t n) { oversize.push_back(n); };
  }
};

TEST(LineSplitter, SplitsAcrossArbitraryChunks) {
  std::string stream = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n";
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    LineSplitter s(1024);
    Lines l;
    for (size_t i = 0; i < stream.size(); i += chunk)
      s.feed(stream.substr(i, chunk), l.line(), l.over());
    ASSERT_EQ(l.got, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "", "{\"c\":3}"}))
        << "chunk " << chunk;
  }
}

TEST(LineSplitter, FinishEmitsTheUnterminatedTail) {
  LineSplitter s(1024);
  Lines l;
  s.feed("one\ntw", l.line(), l.over());
  s.feed("o", l.line(), l.over());
  s.finish(l.line());
  EXPECT_EQ(l.got, (std::vector<std::string>{"one", "two"}));
}

TEST(LineSplitter, OversizeLineIsDroppedWholeAndTheNextSurvives) {
  LineSplitter s(10);
  Lines l;
  s.feed("short\n0123456789", l.line(), l.over());
  s.feed("abcdef", l.line(), l.over());
  s.feed("ghi\nafter\n", l.line(), l.over());
  EXPECT_EQ(l.got, (std::vector<std::string>{"short", "after"}));
  ASSERT_EQ(l.oversize.size(), 1u);
  EXPECT_EQ(l.oversize[0], 19u);
}

TEST(LineSplitter, ExactlyTheLimitIsAccepted) {
  LineSplitter s(5);
  Lines l;
  s.feed("12345\n", l.line(), l.over());
  EXPECT_EQ(l.got, (std::vector<std::string>{"12345"}));
  EXPECT_TRUE(l.oversize.empty());
}

}  // namespace
}  // namespace mcpgw::upstream
