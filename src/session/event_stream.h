// One channel of messages from the gateway to a client: the answer to one POST (JSON body or SSE
// stream) or the session's standalone GET stream. Producers (the router) push messages; the HTTP
// connection that owns the socket pulls and writes them. SSE streams keep a bounded replay buffer
// so that a client can resume a broken stream with Last-Event-ID.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/asio.h"

namespace mcpgw::session {

class EventStream : public std::enable_shared_from_this<EventStream> {
 public:
  enum class Mode { Json, Sse };

  // stream_id names the stream inside its session (event ids are "<stream_id>-<seq>").
  EventStream(asio::io_context& io, Mode mode, uint64_t stream_id, size_t replay_limit);

  Mode mode() const { return mode_; }
  uint64_t id() const { return stream_id_; }

  // What a sender already knows of a response it queues, so that a listener need not read the
  // whole message again: its id as the client wrote it, and its error object ("" for a result).
  struct ResponseFacts {
    std::string_view id;
    std::string_view error;
  };

  // ---- producer side (router) ----
  // Queues a message. JSON mode keeps only responses (a JSON body cannot carry anything else).
  // `facts` (optional) describe a response; they are handed to on_response.
  void send(std::string message, bool is_response, const ResponseFacts* facts = nullptr);
  // SSE only: an event with an id and empty data, sent first so the client can resume at once.
  void send_priming_event(uint32_t retry_ms);
  // The number of responses this stream still owes; when it drops to zero the stream finishes.
  void expect_responses(int n) { owed_ += n; }
  void response_done();
  // A persistent stream (the standalone GET stream, a legacy SSE stream) never finishes on its
  // own: responses may go through it without ending it.
  void set_persistent() { persistent_ = true; }
  void finish();
  bool finished() const { return finished_; }
  // True when the client is gone for good (disconnected and the grace period passed).
  bool abandoned() const { return abandoned_; }
  // Called once when the client disconnected and did not resume within the grace period:
  // the router cancels the upstream requests that were answering into this stream.
  std::function<void()> on_abandoned;
  // Sees every response that goes through the stream (the audit trail records outcomes here);
  // `facts` is null when the sender did not say.
  std::function<void(std::string_view response, const ResponseFacts* facts)> on_response;

  // ---- consumer side (HTTP connection) ----
  // Registers the writer's wake-up timer; pushes cancel it. Returns false if another writer is
  // attached already.
  bool attach(asio::steady_timer* waker);
  // The writer disconnected. grace: how long to keep the stream for a Last-Event-ID resume
  // before on_abandoned fires (zero: at once).
  void detach(std::chrono::milliseconds grace);
  // SSE: formatted events after `after_seq` (exclusive); updates after_seq. Returns false if the
  // requested events already left the replay buffer.
  bool pull_events(uint64_t& after_seq, std::string& out);
  // Can a writer resume after `seq`? Not if that event was never sent, nor if the events after
  // it have left the replay buffer.
  bool can_resume_after(uint64_t seq) const;
  // The first sequence number not yet handed to any writer (a fresh attach starts there).
  uint64_t unsent_from() const { return sent_upto_; }
  // JSON: the collected responses.
  const std::vector<std::string>& json_responses() const { return responses_; }

 private:
  void wake();

  asio::io_context& io_;
  Mode mode_;
  uint64_t stream_id_;
  size_t replay_limit_;
  uint64_t next_seq_ = 1;
  uint64_t sent_upto_ = 0;                               // highest seq handed to a writer
  std::deque<std::pair<uint64_t, std::string>> events_;  // formatted SSE events, by seq
  std::vector<std::string> responses_;                   // JSON mode
  int owed_ = 0;
  bool finished_ = false;
  bool persistent_ = false;
  bool abandoned_ = false;
  asio::steady_timer* waker_ = nullptr;
  std::unique_ptr<asio::steady_timer> grace_timer_;
};

// Appends one SSE event ("id: ...\ndata: ...\n\n"), splitting data on newlines.
void format_sse_event(std::string& out, std::string_view id, std::string_view data);

}  // namespace mcpgw::session
