// Incremental parser for text/event-stream (the WHATWG "server-sent events" format): feed it
// bytes as they arrive and it emits each event as soon as its blank line is seen.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mcpgw::upstream {

struct SseEvent {
  std::string type;  // "message" when the stream gave no `event:` field
  std::string data;  // `data:` lines joined with "\n"
  std::string id;    // the last event id in force when it was dispatched (may be empty)
};

// Thrown by feed() when one event or line grows past the limit.
struct SseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SseParser {
 public:
  explicit SseParser(size_t max_event_bytes = 64 * 1024 * 1024) : max_(max_event_bytes) {}

  using EventFn = std::function<void(SseEvent event)>;
  void feed(std::string_view bytes, const EventFn& on_event);

  // The stream's last event id (for Last-Event-ID on reconnect); empty when none was sent.
  const std::string& last_event_id() const { return last_id_; }
  // The reconnection delay the server asked for with `retry:`, if any.
  std::optional<std::chrono::milliseconds> retry() const { return retry_; }

 private:
  void line(std::string_view text, const EventFn& on_event);
  void dispatch(const EventFn& on_event);

  size_t max_;
  std::string pending_;    // bytes of an unterminated line
  bool after_cr_ = false;  // the previous chunk ended in "\r": a leading "\n" belongs to it
  bool at_start_ = true;   // a UTF-8 BOM may open the stream
  std::string type_, data_, last_id_;
  std::optional<std::chrono::milliseconds> retry_;
};

}  // namespace mcpgw::upstream
