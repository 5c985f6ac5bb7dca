#include "upstream/line_splitter.h"

namespace mcpgw::upstream {

namespace {
void emit(std::string line, const LineSplitter::LineFn& on_line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  on_line(std::move(line));
}
}  // namespace

void LineSplitter::feed(std::string_view data, const LineFn& on_line,
                        const OversizeFn& on_oversize) {
  while (!data.empty()) {
    size_t nl = data.find('\n');
    std::string_view piece = data.substr(0, nl);
    if (discarding_) {
      discarded_ += piece.size();
    } else if (partial_.size() + piece.size() > max_) {
      discarding_ = true;
      discarded_ = partial_.size() + piece.size();
      partial_.clear();
      partial_.shrink_to_fit();
    } else {
      partial_.append(piece);
    }
    if (nl == std::string_view::npos) return;
    if (discarding_) {
      on_oversize(discarded_);
      discarding_ = false;
      discarded_ = 0;
    } else {
      emit(std::move(partial_), on_line);
      partial_.clear();
    }
    data.remove_prefix(nl + 1);
  }
}

void LineSplitter::finish(const LineFn& on_line) {
  if (!discarding_ && !partial_.empty()) emit(std::move(partial_), on_line);
  partial_.clear();
  discarding_ = false;
  discarded_ = 0;
}

}  // namespace mcpgw::upstream
