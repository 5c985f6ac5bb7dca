// The audit side of routing: one audit event per client request, written when its outcome is
// known (the response passes through the client's stream) or when it is abandoned.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "json/envelope.h"
#include "session/event_stream.h"

namespace mcpgw::audit {
class Recorder;
}
namespace mcpgw::auth {
struct Identity;
class Authenticator;
}  // namespace mcpgw::auth

namespace mcpgw::router {

// The client's own bearer token, for RFC 8693 token exchange (auth.upstreams grant
// token_exchange). Never logged, audited or forwarded. A later request of the session that
// brings a newer token of the same subject replaces it.
struct ClientToken {
  std::string token;
  std::chrono::system_clock::time_point expires{};
};

// Who a session belongs to and where it came from: the fields every event of the session shares.
struct SessionInfo {
  std::string session_id;
  std::shared_ptr<const auth::Identity> identity;
  std::string client_addr;
  std::string user_agent;
  // Shared with the session's upstream credentials; null without a bearer token.
  std::shared_ptr<ClientToken> client_token = nullptr;
};

class CallLog {
 public:
  CallLog(audit::Recorder* recorder, const SessionInfo& info) : recorder_(recorder), info_(info) {}
  bool enabled() const { return recorder_ != nullptr; }

  // A request was accepted for routing (decision allow).
  void begin(const void* stream, std::string_view message, const json::Envelope& env);
  // The request went to this upstream.
  void routed(const void* stream, std::string_view id_json, std::string_view server);
  // A response to the client passed through `stream`; `facts` (may be null) spare reading it.
  void end(const void* stream, std::string_view response,
           const session::EventStream::ResponseFacts* facts = nullptr);
  // The stream is gone; whatever is still open there was cancelled.
  void abandon(const void* stream);
  // The client cancelled the request with this id (it gets no response).
  void cancelled(std::string_view id_json);

  // A request an upstream sent to the client (sampling, elicitation, roots), audited like a
  // client's call: `server` is the upstream that asked, `client_id` the id the client sees, and
  // the latency is the client's. Ended by the client's response or by server_request_dropped.
  void server_request(int64_t client_id, std::string_view message, const json::Envelope& env,
                      std::string_view server);
  void server_request_answered(int64_t client_id, std::string_view response,
                               const json::Envelope& env);
  void server_request_dropped(int64_t client_id, const std::string& reason);

 private:
  struct Open {
    const void* stream;
    std::string id;  // JSON text of the client's request id
    std::chrono::steady_clock::time_point started;
    std::string method, server, target, arguments;
  };
  std::vector<Open>::iterator find(const void* stream, std::string_view id_json);
  // Writes the call's event: an error when `error` (the response's error object) is not empty.
  void finish(std::vector<Open>::iterator it, size_t response_bytes, std::string_view error);
  // The `stream` of requests from upstreams: they belong to no client stream.
  const void* server_requests_tag() const { return this; }
  void write(Open& call, const std::string& outcome, std::optional<int64_t> code, int64_t bytes,
             const std::string& reason);
  audit::Recorder* recorder_;
  const SessionInfo& info_;
  // Requests in flight: a handful per session, so a vector searched from the back (the newest
  // is answered first most often) costs less than a map's node per call.
  std::vector<Open> open_;
};

// Records a request the gateway refused before any session handled it (bad token, missing
// scope, audit outage): decision deny.
void record_denial(audit::Recorder* recorder, const SessionInfo& info, std::string_view method,
                   std::string_view target, const std::string& reason);

}  // namespace mcpgw::router
