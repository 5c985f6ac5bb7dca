// Cuts a byte stream into newline-terminated lines (stdio framing), across partial reads.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace mcpgw::upstream {

class LineSplitter {
 public:
  // A line longer than max_line_bytes is dropped whole (on_oversize gets its length so far).
  explicit LineSplitter(size_t max_line_bytes) : max_(max_line_bytes) {}

  using LineFn = std::function<void(std::string line)>;
  using OversizeFn = std::function<void(size_t bytes)>;
  // Emits every line completed by `data`, without its "\n" (and without a trailing "\r").
  void feed(std::string_view data, const LineFn& on_line, const OversizeFn& on_oversize);
  // At end of stream: emits the unterminated last line, if any.
  void finish(const LineFn& on_line);

 private:
  size_t max_;
  std::string partial_;
  bool discarding_ = false;  // inside an oversize line: skip to the next newline
  size_t discarded_ = 0;
};

}  // namespace mcpgw::upstream
