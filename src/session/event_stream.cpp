#include "session/event_stream.h"

#include <cstring>

namespace mcpgw::session {

void format_sse_event(std::string& out, std::string_view id, std::string_view data) {
  out += "id: ";
  out += id;
  out += '\n';
  // JSON text has no raw newlines except between tokens; each line needs its own data: field.
  // SSE ends a line at CRLF, LF or a lone CR, so all three split here: a lone CR left inside a
  // data: line would cut the event short at the client (found by core-tests).
  size_t at = 0;
  while (true) {
    size_t nl = data.find_first_of("\r\n", at);
    out += "data: ";
    if (nl == std::string_view::npos) {
      out += data.substr(at);
      out += '\n';
      break;
    }
    out += data.substr(at, nl - at);
    out += '\n';
    at = nl + 1;
    if (data[nl] == '\r' && at < data.size() && data[at] == '\n') ++at;
  }
  out += '\n';
}

EventStream::EventStream(asio::io_context& io, Mode mode, uint64_t stream_id, size_t replay_limit)
    : io_(io), mode_(mode), stream_id_(stream_id), replay_limit_(replay_limit) {}

void EventStream::send(std::string message, bool is_response, const ResponseFacts* facts) {
  if (finished_) return;
  if (is_response && on_response) on_response(message, facts);
  if (mode_ == Mode::Json) {
    if (is_response) responses_.push_back(std::move(message));
    return;
  }
  uint64_t seq = next_seq_++;
  std::string ev;
  ev.reserve(message.size() + 32);
  std::string id = std::to_string(stream_id_) + "-" + std::to_string(seq);
  format_sse_event(ev, id, message);
  events_.emplace_back(seq, std::move(ev));
  // Keep everything not yet written, plus up to replay_limit_ written events for resumption.
  while (events_.size() > 1 && events_.front().first <= sent_upto_ &&
         events_.size() > replay_limit_)
    events_.pop_front();
  wake();
}

void EventStream::send_priming_event(uint32_t retry_ms) {
  if (mode_ != Mode::Sse) return;
  uint64_t seq = next_seq_++;
  std::string ev = "id: " + std::to_string(stream_id_) + "-" + std::to_string(seq) +
                   "\nretry: " + std::to_string(retry_ms) + "\ndata: \n\n";
  events_.emplace_back(seq, std::move(ev));
  wake();
}

void EventStream::response_done() {
  if (owed_ > 0 && --owed_ == 0 && !persistent_) finish();
}

void EventStream::finish() {
  if (finished_) return;
  finished_ = true;
  wake();
}

bool EventStream::attach(asio::steady_timer* waker) {
  if (waker_) return false;
  waker_ = waker;
  if (grace_timer_) {
    grace_timer_->cancel();
    grace_timer_.reset();
  }
  return true;
}

void EventStream::detach(std::chrono::milliseconds grace) {
  waker_ = nullptr;
  if (finished_ || abandoned_) return;
  auto fire = [self = shared_from_this()] {
    if (self->waker_ || self->finished_ || self->abandoned_) return;
    self->abandoned_ = true;
    if (self->on_abandoned) self->on_abandoned();
  };
  if (grace.count() <= 0) {
    fire();
    return;
  }
  grace_timer_ = std::make_unique<asio::steady_timer>(io_, grace);
  grace_timer_->async_wait([fire](error_code ec) {
    if (!ec) fire();
  });
}

bool EventStream::pull_events(uint64_t& after_seq, std::string& out) {
  // A Last-Event-ID naming an event not sent yet is refused (found by core-tests): taking it
  // would raise sent_upto_ past events that no writer has seen, and they would be lost.
  if (after_seq >= next_seq_) return false;
  if (!events_.empty() && after_seq + 1 < events_.front().first && after_seq < sent_upto_)
    return false;  // the replay buffer no longer holds what was asked for
  for (auto& [seq, ev] : events_) {
    if (seq <= after_seq) continue;
    out += ev;
    after_seq = seq;
  }
  if (after_seq > sent_upto_) sent_upto_ = after_seq;
  while (events_.size() > replay_limit_ && !events_.empty() && events_.front().first <= sent_upto_)
    events_.pop_front();
  return true;
}

bool EventStream::can_resume_after(uint64_t seq) const {
  if (seq > sent_upto_) return false;  // the client claims an event it was never sent
  return events_.empty() || seq + 1 >= events_.front().first;
}

void EventStream::wake() {
  if (waker_) waker_->cancel();
}

}  // namespace mcpgw::session
