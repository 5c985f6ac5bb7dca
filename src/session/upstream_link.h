// One client session's session with one upstream server: the transport, the MCP initialize
// handshake, the table of requests in flight (upstream id -> who is waiting), progress-token
// mapping, and restart with backoff when the upstream dies: at the latest when the backoff is
// over, or at the first request after it, whichever comes first.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "json/envelope.h"
#include "net/asio.h"
#include "ops/config.h"
#include "session/event_stream.h"
#include "session/restart_gate.h"
#include "upstream/transport.h"

namespace mcpgw::session {

class UpstreamLink;

// Receives what an upstream sends that is not the answer to a gateway request.
class UpstreamEvents {
 public:
  virtual ~UpstreamEvents() = default;
  // A request or notification from the upstream. `related` is the stream of the client request
  // it belongs to, when known (the upstream sent it on that request's response stream).
  virtual void on_upstream_message(UpstreamLink& link, std::string message,
                                   const json::Envelope& env,
                                   std::shared_ptr<EventStream> related) = 0;
  // The upstream is Ready again after having been down (a restart, or a first start that
  // failed): its lists may differ from what the client last saw.
  virtual void on_upstream_restored(UpstreamLink& link) { (void)link; }
};

class UpstreamLink : public std::enable_shared_from_this<UpstreamLink> {
 public:
  enum class State { Idle, Starting, Ready, Down, Closed };

  // Called with the whole upstream response message (its id is the upstream id) and envelope.
  using Callback = std::function<void(std::string_view message, const json::Envelope& env)>;

  // `credentials`: the Authorization header source for this upstream (null: none). `gate`: the
  // server's RestartGate, shared by every session's link to it (null: each link on its own).
  UpstreamLink(asio::io_context& io, const config::ServerConfig& server,
               std::shared_ptr<upstream::SharedServerState> shared, UpstreamEvents& events,
               std::shared_ptr<upstream::Credentials> credentials = nullptr,
               std::shared_ptr<RestartGate> gate = nullptr);
  ~UpstreamLink();

  const config::ServerConfig& server() const { return server_; }
  const std::string& name() const { return server_.name; }
  State state() const { return state_; }
  // The upstream's initialize result (JSON object text), once Ready.
  const std::string& initialize_result() const { return init_result_; }
  const std::string& last_error() const { return last_error_; }
  // Does the upstream's initialize result declare this capability (tools, prompts, ...)?
  bool has_capability(std::string_view capability) const;

  // Starts the transport and runs initialize with the client's params (protocolVersion,
  // capabilities, clientInfo). done(ok) is called once, when Ready or Down.
  void start(std::string initialize_params, std::function<void(bool ok)> done);

  // Forwards a client request. message/env: the client's message; its id and progress token are
  // rewritten. The response goes to `stream` with the client's id restored.
  void forward_request(std::string_view message, const json::Envelope& env,
                       std::shared_ptr<EventStream> stream, std::string_view rewritten_name = {});
  // Sends a request of the gateway's own (list fan-out, setLevel); cb gets the response.
  void call(std::string_view method, std::string_view params_json, Callback cb);
  // Sends a notification or a response as is.
  void send_raw(std::string message);
  // A client cancelled (or abandoned) its request with this client id on this stream.
  bool cancel_client_request(std::string_view client_id_json, const EventStream* stream,
                             std::string_view reason);
  // Cancels everything answering into `stream` (the client went away).
  void cancel_stream(const EventStream* stream);
  // Finds the client stream and token for an upstream progress token.
  bool map_progress(std::string_view upstream_token, std::shared_ptr<EventStream>& stream,
                    std::string& client_token);
  // The stream of the pending client request with this upstream id (for related messages).
  std::shared_ptr<EventStream> stream_for_upstream_id(std::string_view id_json);
  // The single pending client request's stream, if exactly one is in flight (stdio heuristic).
  std::shared_ptr<EventStream> sole_pending_stream();
  // Fails requests past their deadline.
  void expire(std::chrono::steady_clock::time_point now);
  // Down: restart soon (posted), without waiting for the backoff. The server is known to be up.
  void restart_now();
  void close();

 private:
  struct Pending {
    std::weak_ptr<EventStream> stream;  // forwarded client request
    std::string client_id;              // its id as the client wrote it
    std::string client_token;           // its progress token as the client wrote it, if any
    Callback callback;                  // the gateway's own request
    std::chrono::steady_clock::time_point deadline;
  };

  void spawn_transport();
  // Down and past the backoff: starts again. Returns false while the backoff lasts.
  bool restart_if_due();
  // The next restart waits the current backoff, which doubles up to restart_backoff_max.
  void back_off();
  void schedule_restart();
  void on_message(std::string message, std::string_view in_reply_to);
  void on_closed(std::string reason);
  void fail_all(int code, const std::string& why);
  void complete(Pending& p, std::string_view message, const json::Envelope& env);
  int64_t next_id() { return ++id_counter_; }
  void flush_queue();

  asio::io_context& io_;
  config::ServerConfig server_;
  std::shared_ptr<upstream::SharedServerState> shared_;
  UpstreamEvents& events_;
  std::shared_ptr<upstream::Credentials> credentials_;
  std::shared_ptr<RestartGate> gate_;
  std::unique_ptr<upstream::Transport> transport_;
  State state_ = State::Idle;
  std::string init_params_;
  std::string init_result_;
  std::string protocol_version_;
  std::vector<std::string> capabilities_;  // keys of the initialize result's capabilities
  std::string last_error_;
  std::function<void(bool)> start_done_;
  std::unordered_map<int64_t, Pending> pending_;
  std::deque<std::function<void()>> queued_;  // requests waiting for a (re)start
  int64_t id_counter_ = 0;
  std::chrono::milliseconds backoff_;
  std::chrono::steady_clock::time_point restart_not_before_{};
  std::unique_ptr<asio::steady_timer> start_timer_;
  std::unique_ptr<asio::steady_timer> restart_timer_;
  int failed_starts_ = 0;  // starts that failed since the link was last Ready
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mcpgw::session
