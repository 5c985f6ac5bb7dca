// One client session and all it routes: the client's messages to the right upstream (with ids,
// progress tokens and names rewritten), the upstreams' messages back to the right client stream,
// and the federated answers (initialize, the list methods) that the gateway composes itself.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "json/envelope.h"
#include "net/asio.h"
#include "ops/config.h"
#include "router/call_log.h"
#include "router/catalog.h"
#include "session/event_stream.h"
#include "session/upstream_link.h"

namespace mcpgw::router {

// What every session shares: the event loop, the config, one state per upstream server.
struct GatewayContext {
  asio::io_context& io;
  const config::Config& config;
  std::map<std::string, std::shared_ptr<upstream::SharedServerState>> shared;
  // Per server: which session's link probes it while it is down (made on first use).
  std::map<std::string, std::shared_ptr<session::RestartGate>> restart_gates = {};
  // The gateway's own credentials per upstream server (auth.upstreams), if any.
  std::map<std::string, std::shared_ptr<upstream::Credentials>> credentials = {};
  // Credentials made for each session (token exchange on behalf of its user), per server.
  std::map<std::string, std::function<std::shared_ptr<upstream::Credentials>(const SessionInfo&)>>
      session_credentials = {};
  audit::Recorder* audit = nullptr;     // null: no audit trail
  auth::Authenticator* auth = nullptr;  // null or disabled: no authentication
};

class SessionRouter : public session::UpstreamEvents,
                      public std::enable_shared_from_this<SessionRouter> {
 public:
  SessionRouter(GatewayContext& ctx, SessionInfo info);
  ~SessionRouter() override;

  const std::string& id() const { return info_.session_id; }
  // The identity that opened the session (null without authentication).
  const std::shared_ptr<const auth::Identity>& identity() const { return info_.identity; }
  const SessionInfo& info() const { return info_; }
  const std::string& protocol_version() const { return protocol_version_; }
  bool initialized() const { return initialize_done_; }
  std::chrono::steady_clock::time_point last_activity() const { return last_activity_; }
  void touch() { last_activity_ = std::chrono::steady_clock::now(); }

  // A stream for the answer to one POST. SSE streams get a priming event when the protocol
  // version has them.
  std::shared_ptr<session::EventStream> new_post_stream(session::EventStream::Mode mode);
  // The standalone server-to-client stream (GET).
  std::shared_ptr<session::EventStream> standalone_stream() { return standalone_; }
  // A stream by id, for Last-Event-ID resumption.
  std::shared_ptr<session::EventStream> find_stream(uint64_t id);

  // The first message of a session. Starts every upstream, answers with the merged result.
  void initialize(std::string_view message, const json::Envelope& env,
                  std::shared_ptr<session::EventStream> stream);
  // Any later message. Requests must have had stream->expect_responses(1) already.
  void handle(std::string_view message, const json::Envelope& env,
              std::shared_ptr<session::EventStream> stream);
  // Ends the session: closes every upstream session, finishes every stream.
  void close();
  // Fails requests past their deadline.
  void expire(std::chrono::steady_clock::time_point now);

  void on_upstream_message(session::UpstreamLink& link, std::string message,
                           const json::Envelope& env,
                           std::shared_ptr<session::EventStream> related) override;
  void on_upstream_restored(session::UpstreamLink& link) override;

 private:
  using StreamPtr = std::shared_ptr<session::EventStream>;
  void watch_stream(const StreamPtr& s, uint64_t sid);
  void reply(const StreamPtr& s, std::string message);
  void reply_error(const StreamPtr& s, std::string_view id_json, int code, const std::string& msg);
  void handle_request(std::string_view message, const json::Envelope& env, const StreamPtr& s);
  void handle_notification(std::string_view message, const json::Envelope& env);
  void handle_response(std::string_view message, const json::Envelope& env);
  void list(std::string_view message, const json::Envelope& env, const StreamPtr& s,
            const ListKind& kind);
  // Fetches every page of a list from every upstream that has the capability, then calls done.
  void refresh(const ListKind& kind, std::function<void(nlohmann::json items)> done);
  void route_named(std::string_view message, const json::Envelope& env, const StreamPtr& s,
                   bool tool, bool refreshed);
  void route_uri(std::string_view message, const json::Envelope& env, const StreamPtr& s,
                 bool refreshed);
  void route_completion(std::string_view message, const json::Envelope& env, const StreamPtr& s,
                        bool refreshed);
  void set_level(std::string_view message, const json::Envelope& env, const StreamPtr& s);
  std::vector<std::shared_ptr<session::UpstreamLink>> ready_links(std::string_view capability);
  std::string merged_initialize_result();
  void deliver_to_client(std::string message, const StreamPtr& preferred, bool is_request);
  // The catalog forgets a list (tools, prompts, resources and their templates) until refreshed.
  void forget_list(std::string_view capability);
  session::UpstreamLink* link_by_name(std::string_view name);

  GatewayContext& ctx_;
  SessionInfo info_;
  CallLog calls_{ctx_.audit, info_};
  std::string protocol_version_;
  std::string client_params_;
  bool initialize_done_ = false;
  // The list kinds this session's initialize result declared (tools, prompts, resources).
  std::vector<std::string> declared_lists_;
  std::chrono::steady_clock::time_point last_activity_;
  std::vector<std::shared_ptr<session::UpstreamLink>> links_;
  Catalog catalog_;
  StreamPtr standalone_;
  std::unordered_map<uint64_t, std::weak_ptr<session::EventStream>> streams_;
  uint64_t next_stream_id_ = 1;
  // Requests from upstreams to the client: client-facing id -> (link, the upstream's id).
  struct ServerRequest {
    std::weak_ptr<session::UpstreamLink> link;
    std::string upstream_id;
  };
  std::unordered_map<int64_t, ServerRequest> server_requests_;
  int64_t next_server_request_id_ = 0;
  bool closed_ = false;
};

}  // namespace mcpgw::router
