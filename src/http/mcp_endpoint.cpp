#include "http/mcp_endpoint.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "audit/recorder.h"
#include "auth/authenticator.h"
#include "json/envelope.h"
#include "mcp/protocol.h"
#include "session/event_stream.h"

namespace mcpgw::http {

using session::EventStream;

namespace {

constexpr std::string_view kLegacySsePath = "/sse";
constexpr std::string_view kLegacyMessagesPath = "/messages";
constexpr auto kResumeGrace = std::chrono::seconds(30);

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Does the Accept header admit this media type (exactly, by type/*, or */*)?
bool accepts(std::string_view accept, std::string_view type) {
  std::string a = lower(accept);
  std::string t(type);
  std::string major = t.substr(0, t.find('/')) + "/*";
  size_t at = 0;
  while (at <= a.size()) {
    size_t comma = a.find(',', at);
    std::string item = a.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    item = item.substr(0, item.find(';'));
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item == t || item == major || item == "*/*") return true;
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return false;
}

Reply rpc_error(int status, int code, std::string_view message, std::string_view id = "null") {
  return Reply::json(status, mcp::error_response(id, code, message));
}

// Keeps the client's bearer token where the session's upstream credentials find it (token
// exchange). Only tokens the authenticator verified; API keys are not exchanged. A kept token is
// replaced only by a newer one, i.e. one that expires later: an older token the client still
// sends (a request from before it renewed its token) is served with the newer one's exchange.
void keep_client_token(const Request& req, std::shared_ptr<router::ClientToken>& kept) {
  if (!req.identity || req.identity->scheme == "api_key") return;
  std::string_view token = auth::bearer_token(req.authorization);
  if (token.empty()) return;
  if (!kept) kept = std::make_shared<router::ClientToken>();
  if (kept->token == token) return;
  if (!kept->token.empty() && req.identity->expires_at <= kept->expires) return;
  kept->token = std::string(token);
  kept->expires = req.identity->expires_at;
}

}  // namespace

McpEndpoint::McpEndpoint(router::GatewayContext& ctx, std::string path)
    : ctx_(ctx),
      path_(std::move(path)),
      host_check_(ctx.config.allowed_hosts, ctx.config.allowed_origins) {}

McpEndpoint::~McpEndpoint() {
  close_all();
}

bool McpEndpoint::owns_path(std::string_view path) const {
  return path == path_ || path == kLegacySsePath || path == kLegacyMessagesPath;
}

std::string McpEndpoint::new_session_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += hex[b >> 4];
    id += hex[b & 15];
  }
  return id;
}

std::shared_ptr<router::SessionRouter> McpEndpoint::create_session(const Request& req) {
  router::SessionInfo info;
  info.session_id = new_session_id();
  info.identity = req.identity;
  info.client_addr = req.client_addr;
  info.user_agent = std::string(req.user_agent);
  if (!ctx_.session_credentials.empty()) keep_client_token(req, info.client_token);
  auto s = std::make_shared<router::SessionRouter>(ctx_, std::move(info));
  sessions_[s->id()] = s;
  return s;
}

std::optional<Reply> McpEndpoint::precheck(const Request& req) const {
  if (auto why = host_check_.check(req.host, req.origin); !why.empty()) {
    spdlog::warn("rejected request from {}: {}", req.client_addr, why);
    return rpc_error(403, mcp::error::kForbidden, "Forbidden: " + why);
  }
  return std::nullopt;
}

std::optional<Reply> McpEndpoint::check_scopes(const Request& req,
                                               const std::vector<json::Envelope>& envs,
                                               const std::vector<std::string_view>& texts) {
  if (!ctx_.auth || !ctx_.auth->enabled() || !req.identity) return std::nullopt;
  for (size_t i = 0; i < envs.size(); ++i) {
    if (envs[i].kind != json::MessageKind::Request) continue;
    std::string_view method = envs[i].method_name(texts[i]);
    std::string tool;
    if (method == "tools/call" && envs[i].name.present())
      json::decode_string(envs[i].name.in(texts[i]), tool);
    auto outcome = ctx_.auth->check_scopes(*req.identity, method, tool);
    if (outcome.ok) continue;
    router::SessionInfo info{std::string(req.session_id), req.identity, req.client_addr,
                             std::string(req.user_agent)};
    router::record_denial(ctx_.audit, info, method, tool, outcome.reason);
    Reply r = rpc_error(outcome.http_status ? outcome.http_status : 403, mcp::error::kForbidden,
                        "Forbidden: " + outcome.reason, envs[i].id.in(texts[i]));
    r.headers.emplace_back("WWW-Authenticate", outcome.www_authenticate);
    return r;
  }
  return std::nullopt;
}

Reply McpEndpoint::handle(Request& req) {
  if (auto r = precheck(req)) return std::move(*r);
  std::string_view path = req.path();
  if (path == kLegacySsePath) {
    if (req.method == "GET") return legacy_open(req);
    Reply r = Reply::text(405, "use GET on /sse\n");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  if (path == kLegacyMessagesPath) {
    if (req.method == "POST") return legacy_post(req);
    Reply r = Reply::text(405, "use POST on /messages\n");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  if (req.method == "POST") return post(req);
  if (req.method == "GET") return get(req);
  if (req.method == "DELETE") return del(req);
  Reply r =
      rpc_error(405, mcp::error::kInvalidRequest, "Method not allowed: use POST, GET or DELETE");
  r.headers.emplace_back("Allow", "GET, POST, DELETE");
  return r;
}

std::shared_ptr<router::SessionRouter> McpEndpoint::session_for(Request& req, Reply& error) {
  if (req.session_id.empty()) {
    error = rpc_error(400, mcp::error::kInvalidRequest,
                      "Bad Request: Mcp-Session-Id header is required");
    return nullptr;
  }
  auto it = sessions_.find(std::string(req.session_id));
  if (it == sessions_.end() || legacy_.count(it->first)) {
    error = rpc_error(404, mcp::error::kInvalidRequest, "Session not found");
    return nullptr;
  }
  // A session belongs to whoever opened it: another subject's token does not find it.
  if (req.identity && it->second->identity() &&
      (req.identity->subject != it->second->identity()->subject ||
       req.identity->issuer != it->second->identity()->issuer)) {
    spdlog::warn("session {}: request from subject '{}' refused: the session belongs to '{}'",
                 it->first, req.identity->subject, it->second->identity()->subject);
    // Audited as the requester's: someone holding another user's session id is worth a record.
    router::SessionInfo info{it->first, req.identity, req.client_addr, std::string(req.user_agent)};
    router::record_denial(
        ctx_.audit, info, "", "",
        std::string(req.method) + " on a session that belongs to another subject");
    error = rpc_error(404, mcp::error::kInvalidRequest, "Session not found");
    return nullptr;
  }
  if (!req.protocol_version.empty() && !mcp::is_supported_version(req.protocol_version)) {
    error = rpc_error(
        400, mcp::error::kInvalidRequest,
        "Bad Request: unsupported MCP-Protocol-Version: " + std::string(req.protocol_version));
    return nullptr;
  }
  if (it->second->info().client_token) {
    auto kept = it->second->info().client_token;  // a newer token of the same subject
    keep_client_token(req, kept);
  }
  it->second->touch();
  return it->second;
}

Reply McpEndpoint::post(Request& req) {
  bool want_sse = accepts(req.accept, "text/event-stream");
  bool want_json = accepts(req.accept, "application/json");
  if (!want_sse && !want_json)
    return rpc_error(406, mcp::error::kInvalidRequest,
                     "Not Acceptable: Accept must include application/json or text/event-stream");
  std::string ct = lower(req.content_type.substr(0, req.content_type.find(';')));
  ct.erase(ct.find_last_not_of(" \t") + 1);
  if (ct != "application/json")
    return rpc_error(415, mcp::error::kInvalidRequest,
                     "Unsupported Media Type: Content-Type must be application/json");

  auto parsed = json::parse_body(req.body);
  if (!parsed.ok) return rpc_error(400, mcp::error::kParseError, "Parse error: " + parsed.error);
  if (parsed.batch && parsed.elements.empty())
    return rpc_error(400, mcp::error::kInvalidRequest, "Invalid Request: empty batch");

  std::vector<json::Envelope> envs;
  envs.reserve(parsed.elements.size());
  std::vector<std::string_view> texts;
  bool has_initialize = false;
  for (auto& el : parsed.elements) {
    texts.push_back(el.in(req.body));
    envs.push_back(json::read_envelope(texts.back()));
    if (envs.back().kind == json::MessageKind::Request &&
        envs.back().method_name(texts.back()) == "initialize")
      has_initialize = true;
  }
  if (!parsed.batch && envs[0].kind == json::MessageKind::Invalid) {
    std::string_view id = envs[0].id.present() ? envs[0].id.in(texts[0]) : "null";
    if (id.empty() ||
        (id[0] != '"' && id[0] != '-' && !std::isdigit(static_cast<unsigned char>(id[0]))))
      id = "null";
    return rpc_error(400, mcp::error::kInvalidRequest, "Invalid Request: " + envs[0].invalid_reason,
                     id);
  }

  if (auto denied = check_scopes(req, envs, texts)) return std::move(*denied);
  if (ctx_.audit && !ctx_.audit->accepting()) {
    spdlog::error("refusing a call: the audit trail cannot record (fail closed)");
    return rpc_error(503, mcp::error::kInternalError,
                     "Service Unavailable: the audit trail cannot record calls right now");
  }

  std::shared_ptr<router::SessionRouter> session;
  if (has_initialize) {
    if (parsed.batch)
      return rpc_error(400, mcp::error::kInvalidRequest,
                       "Invalid Request: initialize must not be part of a batch");
    if (sessions_.size() >= ctx_.config.limits.max_sessions)
      return rpc_error(503, mcp::error::kInternalError, "too many sessions; try again later");
    session = create_session(req);
  } else {
    Reply error;
    session = session_for(req, error);
    if (!session) return error;
    if (parsed.batch && !mcp::version_allows_batches(session->protocol_version()))
      return rpc_error(400, mcp::error::kInvalidRequest,
                       "Invalid Request: JSON-RPC batches are not supported in protocol version " +
                           session->protocol_version());
  }

  int requests = 0;
  for (auto& e : envs)
    if (e.kind == json::MessageKind::Request || e.kind == json::MessageKind::Invalid) ++requests;

  if (requests == 0) {
    for (size_t i = 0; i < envs.size(); ++i) session->handle(texts[i], envs[i], nullptr);
    Reply r;
    r.status = 202;
    r.headers.emplace_back("Mcp-Session-Id", session->id());
    return r;
  }

  auto stream =
      session->new_post_stream(want_sse ? EventStream::Mode::Sse : EventStream::Mode::Json);
  stream->expect_responses(requests);
  for (size_t i = 0; i < envs.size(); ++i) {
    if (envs[i].kind == json::MessageKind::Invalid) {
      std::string_view id = envs[i].id.present() ? envs[i].id.in(texts[i]) : "null";
      stream->send(mcp::error_response(id, mcp::error::kInvalidRequest,
                                       "Invalid Request: " + envs[i].invalid_reason),
                   true);
      stream->response_done();
    } else if (has_initialize) {
      session->initialize(texts[i], envs[i], stream);
    } else {
      session->handle(texts[i], envs[i], stream);
    }
  }
  Reply r;
  r.stream = stream;
  r.sse = want_sse;
  r.json_batch = parsed.batch;
  r.resume_grace = kResumeGrace;
  r.headers.emplace_back("Mcp-Session-Id", session->id());
  if (has_initialize) {
    // An initialize that failed leaves no session behind.
    std::weak_ptr<router::SessionRouter> weak = session;
    r.on_stream_end = [this, weak] {
      auto s = weak.lock();
      if (s && !s->initialized() && sessions_.count(s->id())) {
        s->close();
        sessions_.erase(s->id());
      }
    };
  }
  return r;
}

Reply McpEndpoint::get(Request& req) {
  if (!accepts(req.accept, "text/event-stream"))
    return rpc_error(406, mcp::error::kInvalidRequest,
                     "Not Acceptable: Accept must include text/event-stream");
  Reply error;
  auto session = session_for(req, error);
  if (!session) return error;
  Reply r;
  r.sse = true;
  r.headers.emplace_back("Mcp-Session-Id", session->id());
  r.resume_grace = std::chrono::milliseconds(0);
  if (!req.last_event_id.empty()) {
    // "<stream>-<seq>": resume that stream after that event.
    std::string_view v = req.last_event_id;
    size_t dash = v.find('-');
    try {
      uint64_t sid = std::stoull(std::string(v.substr(0, dash)));
      uint64_t seq =
          dash == std::string_view::npos ? 0 : std::stoull(std::string(v.substr(dash + 1)));
      if (auto s = session->find_stream(sid)) {
        if (!s->can_resume_after(seq))
          return rpc_error(400, mcp::error::kInvalidRequest,
                           "Bad Request: Last-Event-ID " + std::string(v) +
                               " names an event this stream cannot resume after");
        r.stream = s;
        r.after_seq = seq;
        r.resume_grace =
            sid == 0 ? std::chrono::milliseconds(0) : std::chrono::milliseconds(kResumeGrace);
        return r;
      }
    } catch (const std::exception&) {
    }
    spdlog::debug(
        "session {}: Last-Event-ID {} names no live stream; opening the standalone stream",
        session->id(), v);
  }
  r.stream = session->standalone_stream();
  r.after_seq = r.stream->unsent_from();
  return r;
}

Reply McpEndpoint::del(Request& req) {
  Reply error;
  auto session = session_for(req, error);
  if (!session) return error;
  session->close();
  sessions_.erase(session->id());
  spdlog::info("session {} ended by the client", session->id());
  return Reply::json(200, "{}");
}

// Legacy HTTP+SSE (2024-11-05): GET /sse opens the session's only stream and names the URL to
// POST to; every answer travels on that stream.
Reply McpEndpoint::legacy_open(Request& req) {
  if (!accepts(req.accept, "text/event-stream"))
    return Reply::text(406, "Accept must include text/event-stream\n");
  if (sessions_.size() >= ctx_.config.limits.max_sessions)
    return Reply::text(503, "too many sessions\n");
  auto session = create_session(req);
  legacy_[session->id()] = true;
  Reply r;
  r.sse = true;
  r.stream = session->standalone_stream();
  r.first_event = "event: endpoint\ndata: " + std::string(kLegacyMessagesPath) +
                  "?sessionId=" + session->id() + "\n\n";
  std::weak_ptr<router::SessionRouter> weak = session;
  // The stream is the session: when it ends, so does the session.
  r.on_stream_end = [this, weak] {
    if (auto s = weak.lock()) {
      s->close();
      legacy_.erase(s->id());
      sessions_.erase(s->id());
    }
  };
  return r;
}

Reply McpEndpoint::legacy_post(Request& req) {
  std::string id;
  for (auto [k, v] : query_params(req.query()))
    if (k == "sessionId") id = std::string(v);
  auto it = sessions_.find(id);
  if (id.empty() || it == sessions_.end() || !legacy_.count(id))
    return Reply::text(404, "Session not found\n");
  auto session = it->second;
  session->touch();
  auto parsed = json::parse_body(req.body);
  if (!parsed.ok || parsed.batch)
    return rpc_error(400, mcp::error::kParseError, "Parse error: " + parsed.error);
  std::string_view text = parsed.elements[0].in(req.body);
  auto env = json::read_envelope(text);
  auto stream = session->standalone_stream();
  if (env.kind == json::MessageKind::Invalid) {
    return rpc_error(400, mcp::error::kInvalidRequest, "Invalid Request: " + env.invalid_reason);
  }
  if (env.kind == json::MessageKind::Request) stream->expect_responses(1);
  if (env.kind == json::MessageKind::Request && env.method_name(text) == "initialize") {
    if (session->initialized())
      return rpc_error(400, mcp::error::kInvalidRequest, "already initialized");
    session->initialize(text, env, stream);
  } else {
    session->handle(text, env, stream);
  }
  Reply r;
  r.status = 202;
  r.content_type = "text/plain";
  r.body = "Accepted";
  return r;
}

void McpEndpoint::tick() {
  auto now = std::chrono::steady_clock::now();
  std::vector<std::string> idle;
  for (auto& [id, s] : sessions_) {
    s->expire(now);
    if (now - s->last_activity() > ctx_.config.limits.session_idle_timeout) idle.push_back(id);
  }
  for (auto& id : idle) {
    spdlog::info("session {} ended after being idle", id);
    sessions_[id]->close();
    sessions_.erase(id);
    legacy_.erase(id);
  }
}

void McpEndpoint::close_all() {
  for (auto& [id, s] : sessions_) s->close();
  sessions_.clear();
  legacy_.clear();
}

}  // namespace mcpgw::http
