// One HTTP exchange as the gateway's endpoints see it: the request fields they read and the
// reply they give (a body, or a stream of events the connection writes until it ends).
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpgw::session {
class EventStream;
}
namespace mcpgw::auth {
struct Identity;
}

namespace mcpgw::http {

struct Request {
  std::string_view method;
  std::string_view target;  // path and query
  std::string_view body;
  std::string_view host, origin, content_type, accept, session_id, protocol_version, last_event_id,
      authorization, user_agent;
  std::string client_addr;
  // Who sent it, once authenticated (null when authentication is off).
  std::shared_ptr<const auth::Identity> identity;
  // The path without the query string.
  std::string_view path() const { return target.substr(0, target.find('?')); }
  std::string_view query() const {
    size_t q = target.find('?');
    return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  }
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close_connection = false;

  // Streaming replies: the connection writes `stream` as SSE (sse) or waits for it to finish
  // and writes its responses as one JSON body (a JSON array when json_batch).
  std::shared_ptr<session::EventStream> stream;
  bool sse = false;
  bool json_batch = false;
  uint64_t after_seq = 0;   // SSE: start after this event (resumption)
  std::string first_event;  // SSE: raw text written before the stream's events
  // How long an abandoned SSE stream waits for a Last-Event-ID resume before its requests are
  // cancelled (zero: at once).
  std::chrono::milliseconds resume_grace{0};
  std::function<void()> on_stream_end;  // called when the connection stops writing the stream

  static Reply json(int status, std::string body) {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static Reply text(int status, std::string body) {
    Reply r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(body);
    return r;
  }
};

// The name=value pairs of a query string, in order (values are not percent-decoded).
inline std::vector<std::pair<std::string_view, std::string_view>> query_params(
    std::string_view query) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    size_t eq = kv.find('=');
    if (!kv.empty())
      out.emplace_back(kv.substr(0, eq),
                       eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

// The handler of every request; the async variant completes later (e.g. after authentication).
using Handler = std::function<void(Request&, std::function<void(Reply)>)>;

}  // namespace mcpgw::http
