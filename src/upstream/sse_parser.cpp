#include "upstream/sse_parser.h"

#include <algorithm>

namespace mcpgw::upstream {

void SseParser::feed(std::string_view bytes, const EventFn& on_event) {
  if (at_start_ && !bytes.empty()) {
    // Strip a BOM only if the whole of it is here; split BOMs are too rare to matter.
    if (pending_.empty() && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
    at_start_ = false;
  }
  if (after_cr_ && !bytes.empty() && bytes.front() == '\n') bytes.remove_prefix(1);
  after_cr_ = false;
  while (!bytes.empty()) {
    size_t end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      if (pending_.size() + bytes.size() > max_) throw SseError("SSE line exceeds the size limit");
      pending_.append(bytes);
      return;
    }
    std::string_view text = bytes.substr(0, end);
    if (!pending_.empty()) {
      if (pending_.size() + text.size() > max_) throw SseError("SSE line exceeds the size limit");
      pending_.append(text);
      std::string whole = std::move(pending_);
      pending_.clear();
      line(whole, on_event);
    } else {
      line(text, on_event);
    }
    if (bytes[end] == '\r') {
      if (end + 1 < bytes.size()) {
        if (bytes[end + 1] == '\n') ++end;
      } else {
        after_cr_ = true;
      }
    }
    bytes.remove_prefix(end + 1);
  }
}

void SseParser::line(std::string_view text, const EventFn& on_event) {
  if (text.empty()) return dispatch(on_event);
  if (text.front() == ':') return;  // comment (keep-alives)
  std::string_view field = text, value;
  if (size_t colon = text.find(':'); colon != std::string_view::npos) {
    field = text.substr(0, colon);
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "event") {
    type_.assign(value);
  } else if (field == "data") {
    if (data_.size() + value.size() + 1 > max_) throw SseError("SSE event exceeds the size limit");
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
  } else if (field == "retry") {
    if (!value.empty() && value.size() < 10 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      retry_ = std::chrono::milliseconds(std::stol(std::string(value)));
    }
  }
  // Any other field is ignored, as the format requires.
}

void SseParser::dispatch(const EventFn& on_event) {
  if (data_.empty()) {
    type_.clear();
    return;
  }
  data_.pop_back();  // the final "\n"
  SseEvent event{type_.empty() ? std::string("message") : std::move(type_), std::move(data_),
                 last_id_};
  type_.clear();
  data_.clear();
  on_event(std::move(event));
}

}  // namespace mcpgw::upstream
