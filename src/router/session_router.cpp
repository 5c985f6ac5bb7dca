#include "router/session_router.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "mcp/protocol.h"

namespace mcpgw::router {

using nlohmann::json;
using session::EventStream;
using session::UpstreamLink;

namespace {
constexpr uint32_t kRetryMs = 1000;
constexpr int kMaxPages = 100;
}  // namespace

SessionRouter::SessionRouter(GatewayContext& ctx, SessionInfo info)
    : ctx_(ctx), info_(std::move(info)), last_activity_(std::chrono::steady_clock::now()) {
  standalone_ = std::make_shared<EventStream>(ctx_.io, EventStream::Mode::Sse, 0,
                                              ctx_.config.limits.replay_buffer_events);
  standalone_->set_persistent();
  streams_[0] = standalone_;
  if (calls_.enabled()) {
    // Legacy HTTP+SSE sessions answer on the standalone stream.
    EventStream* raw = standalone_.get();
    standalone_->on_response = [this, raw](std::string_view response,
                                           const EventStream::ResponseFacts* facts) {
      calls_.end(raw, response, facts);
    };
  }
}

SessionRouter::~SessionRouter() {
  close();
}

std::shared_ptr<EventStream> SessionRouter::new_post_stream(EventStream::Mode mode) {
  uint64_t sid = next_stream_id_++;
  auto s =
      std::make_shared<EventStream>(ctx_.io, mode, sid, ctx_.config.limits.replay_buffer_events);
  if (mode == EventStream::Mode::Sse) {
    streams_[sid] = s;
    if (mcp::version_has_priming_event(protocol_version_.empty() ? mcp::kLatestVersion
                                                                 : protocol_version_))
      s->send_priming_event(kRetryMs);
  }
  watch_stream(s, sid);
  // Forget finished streams now and then so the map stays small.
  if (streams_.size() > 64) {
    for (auto it = streams_.begin(); it != streams_.end();) {
      auto p = it->second.lock();
      if (!p || (p->finished() && it->first != 0))
        it = streams_.erase(it);
      else
        ++it;
    }
  }
  return s;
}

void SessionRouter::watch_stream(const StreamPtr& s, uint64_t sid) {
  // When the client goes away for good, whatever still answers into the stream is cancelled.
  std::weak_ptr<SessionRouter> weak = weak_from_this();
  EventStream* raw = s.get();
  s->on_abandoned = [weak, raw, sid] {
    auto self = weak.lock();
    if (!self) return;
    for (auto& link : self->links_) link->cancel_stream(raw);
    self->calls_.abandon(raw);
    self->streams_.erase(sid);
  };
  if (calls_.enabled()) {
    s->on_response = [weak, raw](std::string_view response,
                                 const EventStream::ResponseFacts* facts) {
      if (auto self = weak.lock()) self->calls_.end(raw, response, facts);
    };
  }
}

std::shared_ptr<EventStream> SessionRouter::find_stream(uint64_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.lock();
}

void SessionRouter::reply(const StreamPtr& s, std::string message) {
  s->send(std::move(message), true);
  s->response_done();
}

void SessionRouter::reply_error(const StreamPtr& s, std::string_view id_json, int code,
                                const std::string& msg) {
  reply(s, mcp::error_response(id_json, code, msg));
}

// ---------------------------------------------------------------- initialize

void SessionRouter::initialize(std::string_view message, const mcpgw::json::Envelope& env,
                               StreamPtr stream) {
  calls_.begin(stream.get(), message, env);
  std::string id_json(env.id.in(message));
  json params;
  try {
    params = env.params.present() ? json::parse(env.params.in(message)) : json::object();
  } catch (const std::exception&) {
    return reply_error(stream, id_json, mcp::error::kInvalidParams, "params is not valid JSON");
  }
  if (!params.is_object() || !params.contains("protocolVersion") ||
      !params["protocolVersion"].is_string())
    return reply_error(stream, id_json, mcp::error::kInvalidParams,
                       "initialize needs params.protocolVersion (a string)");
  if (params.contains("capabilities") && !params["capabilities"].is_object())
    return reply_error(stream, id_json, mcp::error::kInvalidParams,
                       "params.capabilities must be an object");
  std::string requested = params["protocolVersion"];
  protocol_version_ =
      mcp::is_supported_version(requested) ? requested : std::string(mcp::kLatestVersion);
  params["protocolVersion"] = protocol_version_;
  if (!params.contains("capabilities")) params["capabilities"] = json::object();
  if (!params.contains("clientInfo"))
    params["clientInfo"] = {{"name", "unknown-client"}, {"version", "0"}};
  client_params_ = params.dump();

  auto remaining = std::make_shared<size_t>(ctx_.config.servers.size());
  std::weak_ptr<SessionRouter> weak = weak_from_this();
  auto finish = [weak, stream, id_json] {
    auto self = weak.lock();
    if (!self) return;
    self->initialize_done_ = true;
    self->reply(stream, mcp::result_response(id_json, self->merged_initialize_result()));
  };
  if (*remaining == 0) return finish();
  for (auto& server : ctx_.config.servers) {
    std::shared_ptr<upstream::Credentials> credentials;
    if (auto make = ctx_.session_credentials.find(server.name);
        make != ctx_.session_credentials.end())
      credentials = make->second(info_);
    else if (auto creds = ctx_.credentials.find(server.name); creds != ctx_.credentials.end())
      credentials = creds->second;
    auto& gate = ctx_.restart_gates[server.name];
    if (!gate)
      gate = std::make_shared<session::RestartGate>(server.restart_backoff_initial,
                                                    server.restart_backoff_max);
    auto link = std::make_shared<UpstreamLink>(ctx_.io, server, ctx_.shared[server.name], *this,
                                               std::move(credentials), gate);
    links_.push_back(link);
    link->start(client_params_, [remaining, finish, name = server.name](bool ok) {
      if (!ok) spdlog::warn("upstream {}: not available for this session", name);
      if (--*remaining == 0) finish();
    });
  }
}

std::string SessionRouter::merged_initialize_result() {
  json caps = json::object();
  std::string instructions;
  json server_info = {{"name", "mcp-gateway"}, {"version", "0.1.0"}};
  size_t ready = 0;
  for (auto& link : links_) {
    if (link->state() != UpstreamLink::State::Ready) continue;
    ++ready;
    json r;
    try {
      r = json::parse(link->initialize_result());
    } catch (const std::exception&) {
      continue;
    }
    json c = r.value("capabilities", json::object());
    for (const char* k : {"tools", "prompts"})
      if (c.contains(k)) caps[k] = {{"listChanged", true}};
    if (c.contains("resources")) {
      bool sub = caps.contains("resources") && caps["resources"].value("subscribe", false);
      if (c["resources"].is_object() && c["resources"].value("subscribe", false)) sub = true;
      caps["resources"] = {{"subscribe", sub}, {"listChanged", true}};
    }
    if (c.contains("logging")) caps["logging"] = json::object();
    if (c.contains("completions")) caps["completions"] = json::object();
    if (r.contains("instructions") && r["instructions"].is_string()) {
      if (!instructions.empty()) instructions += "\n\n";
      instructions += r["instructions"].get<std::string>();
    }
    if (links_.size() == 1 && r.contains("serverInfo")) server_info = r["serverInfo"];
  }
  // With no upstream up, still offer tools so that clients can list (nothing) and retry.
  if (ready == 0) caps["tools"] = {{"listChanged", true}};
  declared_lists_.clear();
  for (const char* k : {"tools", "prompts", "resources"})
    if (caps.contains(k)) declared_lists_.push_back(k);
  json result = {
      {"protocolVersion", protocol_version_}, {"capabilities", caps}, {"serverInfo", server_info}};
  if (!instructions.empty()) result["instructions"] = instructions;
  return result.dump();
}

// ---------------------------------------------------------------- client messages

void SessionRouter::handle(std::string_view message, const mcpgw::json::Envelope& env,
                           StreamPtr stream) {
  touch();
  switch (env.kind) {
    case mcpgw::json::MessageKind::Request:
      return handle_request(message, env, stream);
    case mcpgw::json::MessageKind::Notification:
      return handle_notification(message, env);
    case mcpgw::json::MessageKind::Response:
      return handle_response(message, env);
    case mcpgw::json::MessageKind::Invalid:
      return;
  }
}

void SessionRouter::handle_request(std::string_view message, const mcpgw::json::Envelope& env,
                                   const StreamPtr& s) {
  std::string_view method = env.method_name(message);
  std::string_view id = env.id.in(message);
  calls_.begin(s.get(), message, env);
  if (method == "ping") return reply(s, mcp::result_response(id, "{}"));
  if (method == "initialize")
    return reply_error(s, id, mcp::error::kInvalidRequest, "the session is already initialized");
  if (method == "tools/call") return route_named(message, env, s, true, false);
  if (method == "prompts/get") return route_named(message, env, s, false, false);
  if (method == "resources/read" || method == "resources/subscribe" ||
      method == "resources/unsubscribe")
    return route_uri(message, env, s, false);
  if (method == "completion/complete") return route_completion(message, env, s, false);
  if (method == "logging/setLevel") return set_level(message, env, s);
  if (auto kind = list_kind(method)) return list(message, env, s, *kind);
  reply_error(s, id, mcp::error::kMethodNotFound, "Method not found: " + std::string(method));
}

void SessionRouter::handle_notification(std::string_view message,
                                        const mcpgw::json::Envelope& env) {
  std::string_view method = env.method_name(message);
  if (method == "notifications/initialized") return;  // the gateway already told each upstream
  if (method == "notifications/cancelled") {
    if (!env.request_id.present()) return;
    std::string reason = "cancelled by the client";
    for (auto& link : links_) {
      if (link->cancel_client_request(env.request_id.in(message), nullptr, reason)) {
        calls_.cancelled(env.request_id.in(message));
        return;
      }
    }
    return;
  }
  if (method == "notifications/roots/list_changed") {
    for (auto& link : links_) link->send_raw(std::string(message));
    return;
  }
  spdlog::debug("session {}: client notification {} not forwarded", info_.session_id, method);
}

void SessionRouter::handle_response(std::string_view message, const mcpgw::json::Envelope& env) {
  int64_t id = 0;
  std::string_view text = env.id.in(message);
  auto r = std::from_chars(text.data(), text.data() + text.size(), id);
  auto it = r.ec == std::errc() ? server_requests_.find(id) : server_requests_.end();
  if (it == server_requests_.end()) {
    spdlog::warn("session {}: response to unknown request {}", info_.session_id, text);
    return;
  }
  auto link = it->second.link.lock();
  std::string upstream_id = std::move(it->second.upstream_id);
  server_requests_.erase(it);
  calls_.server_request_answered(id, message, env);
  if (link) link->send_raw(mcpgw::json::splice(message, {{env.id, upstream_id}}));
}

// ---------------------------------------------------------------- lists

std::vector<std::shared_ptr<UpstreamLink>> SessionRouter::ready_links(std::string_view capability) {
  std::vector<std::shared_ptr<UpstreamLink>> out;
  for (auto& link : links_) {
    // Down links are included: a request to them restarts them (with backoff) or fails fast.
    if (link->state() == UpstreamLink::State::Closed) continue;
    if (link->state() == UpstreamLink::State::Ready && !link->has_capability(capability)) continue;
    out.push_back(link);
  }
  return out;
}

void SessionRouter::refresh(const ListKind& kind, std::function<void(json items)> done) {
  // The catalog of this kind is rebuilt from what the upstreams answer now.
  catalog_.clear(kind.items_key == "resourceTemplates" ? "templates" : kind.capability);
  auto links = ready_links(kind.capability);
  auto merged = std::make_shared<std::vector<json>>(links.size());
  auto remaining = std::make_shared<size_t>(links.size());
  std::weak_ptr<SessionRouter> weak = weak_from_this();
  auto finish = [weak, merged, links, &kind, done] {
    auto self = weak.lock();
    if (!self) return;
    // In configuration order; an item whose name another server holds (a collision between
    // unprefixed servers) is left out, so that every name listed routes where it says.
    json all = json::array();
    for (size_t i = 0; i < merged->size(); ++i)
      for (auto& item : (*merged)[i]) {
        auto name = item.find(std::string(kind.name_key));
        if (name != item.end() && name->is_string() &&
            !self->catalog_.owns(kind, name->get<std::string>(), links[i].get()))
          continue;
        all.push_back(std::move(item));
      }
    done(std::move(all));
  };
  if (links.empty()) return finish();
  for (size_t i = 0; i < links.size(); ++i) {
    auto link = links[i];
    // Fetch page after page; each page's items are recorded against the link.
    auto fetch = std::make_shared<std::function<void(std::string cursor, int page)>>();
    *fetch = [weak, link, i, merged, remaining, finish, &kind, fetch](std::string cursor,
                                                                      int page) {
      std::string params = cursor.empty() ? "{}" : R"({"cursor":)" + cursor + "}";
      link->call(kind.method, params,
                 [weak, link, i, merged, remaining, finish, &kind, fetch, page](
                     std::string_view msg, const mcpgw::json::Envelope& env) {
                   auto self = weak.lock();
                   if (!self) return;
                   std::string next;
                   if (env.result.present()) {
                     try {
                       auto r = json::parse(env.result.in(msg));
                       auto items = self->catalog_.add_items(
                           kind, link, r.value(std::string(kind.items_key), json::array()), i);
                       for (auto& it : items) (*merged)[i].push_back(std::move(it));
                       if (r.contains("nextCursor") && !r["nextCursor"].is_null())
                         next = r["nextCursor"].dump();
                     } catch (const std::exception& e) {
                       spdlog::warn("upstream {}: bad {} result: {}", link->name(), kind.method,
                                    e.what());
                     }
                   } else {
                     spdlog::warn("upstream {}: {} failed: {:.300}", link->name(), kind.method,
                                  env.error.in(msg));
                   }
                   if (!next.empty() && page + 1 < kMaxPages) return (*fetch)(next, page + 1);
                   *fetch = nullptr;  // break the self-reference
                   if (--*remaining == 0) finish();
                 });
    };
    (*fetch)("", 0);
  }
}

void SessionRouter::list(std::string_view message, const mcpgw::json::Envelope& env,
                         const StreamPtr& s, const ListKind& kind) {
  std::weak_ptr<SessionRouter> weak = weak_from_this();
  refresh(kind, [weak, s, id = std::string(env.id.in(message)), &kind](json items) {
    auto self = weak.lock();
    if (!self) return;
    self->catalog_.mark_fresh(kind.items_key == "resourceTemplates" ? "templates"
                                                                    : kind.capability);
    json result = {{std::string(kind.items_key), std::move(items)}};
    self->reply(s, mcp::result_response(id, result.dump()));
  });
}

// ---------------------------------------------------------------- routed requests

UpstreamLink* SessionRouter::link_by_name(std::string_view name) {
  for (auto& l : links_)
    if (l->name() == name) return l.get();
  return nullptr;
}

void SessionRouter::route_named(std::string_view message, const mcpgw::json::Envelope& env,
                                const StreamPtr& s, bool tool, bool refreshed) {
  std::string_view id = env.id.in(message);
  std::string name;
  if (!env.name.present() || !mcpgw::json::decode_string(env.name.in(message), name) ||
      name.empty())
    return reply_error(s, id, mcp::error::kInvalidParams, "params.name must be a non-empty string");
  // Only what the catalog lists can be called: a name nobody serves is an error here, not a
  // guess sent to some upstream.
  Target t;
  bool found = tool ? catalog_.find_tool(name, t) : catalog_.find_prompt(name, t);
  if (!found && !refreshed && !catalog_.fresh(tool ? "tools" : "prompts")) {
    // Unknown so far: learn the catalog, then try once more.
    std::weak_ptr<SessionRouter> weak = weak_from_this();
    auto msg = std::make_shared<std::string>(message);
    refresh(*list_kind(tool ? "tools/list" : "prompts/list"), [weak, msg, s, tool](json) {
      auto self = weak.lock();
      if (!self) return;
      self->catalog_.mark_fresh(tool ? "tools" : "prompts");
      self->route_named(*msg, mcpgw::json::read_envelope(*msg), s, tool, true);
    });
    return;
  }
  if (!found) {
    // A prefixed name of an upstream that is down: say why it is down (e.g. no credentials).
    for (auto& l : links_)
      if (l->state() == UpstreamLink::State::Down && l->server().prefix &&
          name.rfind(l->name() + "__", 0) == 0)
        return reply_error(s, id, mcp::error::kUpstreamUnavailable,
                           "upstream " + l->name() + " is unavailable: " + l->last_error());
    return reply_error(s, id, mcp::error::kInvalidParams,
                       std::string(tool ? "Unknown tool: " : "Unknown prompt: ") + name);
  }
  calls_.routed(s.get(), id, t.link->name());
  t.link->forward_request(message, env, s, t.name == name ? std::string_view{} : t.name);
}

void SessionRouter::route_uri(std::string_view message, const mcpgw::json::Envelope& env,
                              const StreamPtr& s, bool refreshed) {
  std::string_view id = env.id.in(message);
  std::string uri;
  if (!env.uri.present() || !mcpgw::json::decode_string(env.uri.in(message), uri) || uri.empty())
    return reply_error(s, id, mcp::error::kInvalidParams, "params.uri must be a non-empty string");
  Target t;
  bool found = catalog_.find_resource(uri, t);
  if (!found) {
    auto links = ready_links("resources");
    if (links.size() == 1) {
      t = Target{links[0], uri};
      found = true;
    }
  }
  if (!found && !refreshed) {
    std::weak_ptr<SessionRouter> weak = weak_from_this();
    auto msg = std::make_shared<std::string>(message);
    refresh(*list_kind("resources/list"), [weak, msg, s](json) {
      auto self = weak.lock();
      if (!self) return;
      self->refresh(*list_kind("resources/templates/list"), [weak, msg, s](json) {
        auto self = weak.lock();
        if (!self) return;
        self->route_uri(*msg, mcpgw::json::read_envelope(*msg), s, true);
      });
    });
    return;
  }
  if (!found)
    return reply_error(s, id, mcp::error::kResourceNotFound, "Resource not found: " + uri);
  calls_.routed(s.get(), id, t.link->name());
  t.link->forward_request(message, env, s);
}

void SessionRouter::route_completion(std::string_view message, const mcpgw::json::Envelope& env,
                                     const StreamPtr& s, bool refreshed) {
  std::string id(env.id.in(message));
  json msg;
  try {
    msg = json::parse(message);
  } catch (const std::exception&) {
    return reply_error(s, id, mcp::error::kParseError, "malformed JSON");
  }
  auto& params = msg["params"];
  if (!params.is_object() || !params.contains("ref") || !params["ref"].is_object())
    return reply_error(s, id, mcp::error::kInvalidParams, "params.ref must be an object");
  auto& ref = params["ref"];
  std::string type = ref.value("type", "");
  Target t;
  bool found = false;
  if (type == "ref/prompt" && ref.contains("name") && ref["name"].is_string()) {
    std::string name = ref["name"];
    found = catalog_.find_prompt(name, t);
    if (!found) {
      size_t sep = name.find(kPrefixSeparator);
      for (auto& l : links_) {
        if (sep != std::string::npos && l->server().prefix && l->name() == name.substr(0, sep)) {
          t = Target{l, name.substr(sep + kPrefixSeparator.size())};
          found = true;
        }
      }
      if (!found && links_.size() == 1) {
        t = Target{links_[0], name};
        found = true;
      }
    }
    if (found) ref["name"] = t.name;
  } else if (type == "ref/resource" && ref.contains("uri") && ref["uri"].is_string()) {
    std::string uri = ref["uri"];
    found = catalog_.find_resource(uri, t);
    if (!found && links_.size() == 1) {
      t = Target{links_[0], uri};
      found = true;
    }
  } else {
    return reply_error(s, id, mcp::error::kInvalidParams,
                       "params.ref.type must be ref/prompt (with name) or ref/resource (with uri)");
  }
  if (!found && !refreshed) {
    std::weak_ptr<SessionRouter> weak = weak_from_this();
    auto m = std::make_shared<std::string>(message);
    refresh(*list_kind("prompts/list"), [weak, m, s](json) {
      auto self = weak.lock();
      if (!self) return;
      self->refresh(*list_kind("resources/templates/list"), [weak, m, s](json) {
        if (auto self = weak.lock())
          self->route_completion(*m, mcpgw::json::read_envelope(*m), s, true);
      });
    });
    return;
  }
  if (!found) return reply_error(s, id, mcp::error::kInvalidParams, "Unknown completion reference");
  calls_.routed(s.get(), id, t.link->name());
  std::string rewritten = msg.dump();
  t.link->forward_request(rewritten, mcpgw::json::read_envelope(rewritten), s);
}

void SessionRouter::set_level(std::string_view message, const mcpgw::json::Envelope& env,
                              const StreamPtr& s) {
  std::string id(env.id.in(message));
  std::string params(env.params.present() ? env.params.in(message) : "{}");
  auto links = ready_links("logging");
  if (links.empty()) return reply(s, mcp::result_response(id, "{}"));
  auto remaining = std::make_shared<size_t>(links.size());
  auto first_error = std::make_shared<std::string>();
  std::weak_ptr<SessionRouter> weak = weak_from_this();
  for (auto& link : links) {
    link->call("logging/setLevel", params,
               [weak, s, id, remaining, first_error](std::string_view msg,
                                                     const mcpgw::json::Envelope& e) {
                 if (e.error.present() && first_error->empty())
                   *first_error = std::string(e.error.in(msg));
                 if (--*remaining > 0) return;
                 auto self = weak.lock();
                 if (!self) return;
                 if (first_error->empty()) return self->reply(s, mcp::result_response(id, "{}"));
                 std::string out =
                     R"({"jsonrpc":"2.0","id":)" + id + R"(,"error":)" + *first_error + "}";
                 self->reply(s, out);
               });
  }
}

// ---------------------------------------------------------------- upstream messages

void SessionRouter::deliver_to_client(std::string message, const StreamPtr& preferred,
                                      bool is_request) {
  if (preferred && preferred->mode() == EventStream::Mode::Sse && !preferred->finished() &&
      !preferred->abandoned()) {
    preferred->send(std::move(message), false);
    return;
  }
  standalone_->send(std::move(message), false);
}

void SessionRouter::on_upstream_message(UpstreamLink& link, std::string message,
                                        const mcpgw::json::Envelope& env, StreamPtr related) {
  std::string_view method = env.method_name(message);
  if (env.kind == mcpgw::json::MessageKind::Request) {
    if (method == "ping") {
      link.send_raw(mcp::result_response(env.id.in(message), "{}"));
      return;
    }
    int64_t gid = ++next_server_request_id_;
    server_requests_[gid] = ServerRequest{link.weak_from_this(), std::string(env.id.in(message))};
    calls_.server_request(gid, message, env, link.name());
    std::string out = mcpgw::json::splice(message, {{env.id, std::to_string(gid)}});
    // Related requests go on the stream of the client request they serve; others on GET.
    deliver_to_client(std::move(out), related, true);
    return;
  }
  // Notifications.
  if (method == "notifications/progress") {
    StreamPtr stream;
    std::string client_token;
    if (!env.progress_token.present() ||
        !link.map_progress(env.progress_token.in(message), stream, client_token)) {
      spdlog::debug("upstream {}: progress for an unknown token dropped", link.name());
      return;
    }
    deliver_to_client(mcpgw::json::splice(message, {{env.progress_token, client_token}}), stream,
                      false);
    return;
  }
  if (method == "notifications/cancelled") {
    // The upstream withdrew one of its own requests to the client.
    if (!env.request_id.present()) return;
    std::string_view up_id = env.request_id.in(message);
    for (auto it = server_requests_.begin(); it != server_requests_.end(); ++it) {
      if (it->second.upstream_id == up_id && it->second.link.lock().get() == &link) {
        std::string out =
            mcpgw::json::splice(message, {{env.request_id, std::to_string(it->first)}});
        calls_.server_request_dropped(it->first, "withdrawn by the server");
        server_requests_.erase(it);
        deliver_to_client(std::move(out), related, false);
        return;
      }
    }
    return;
  }
  if (method == "notifications/tools/list_changed") forget_list("tools");
  if (method == "notifications/prompts/list_changed") forget_list("prompts");
  if (method == "notifications/resources/list_changed") forget_list("resources");
  if (method == "notifications/message" && !related) related = link.sole_pending_stream();
  deliver_to_client(std::move(message), related, false);
}

void SessionRouter::on_upstream_restored(UpstreamLink& link) {
  // What the upstream offers now may differ from the client's last lists (or the upstream was
  // down when they were made): each list it serves is announced as changed, for the kinds this
  // session declared with listChanged.
  if (closed_ || !initialize_done_) return;
  for (const std::string& kind : declared_lists_) {
    if (!link.has_capability(kind)) continue;
    forget_list(kind);
    spdlog::info("session {}: upstream {} is back; {} may have changed", info_.session_id,
                 link.name(), kind);
    deliver_to_client(mcp::notification("notifications/" + kind + "/list_changed", {}), nullptr,
                      false);
  }
}

void SessionRouter::forget_list(std::string_view capability) {
  catalog_.clear(capability);
  if (capability == "resources") catalog_.clear("templates");  // listed with the resources
}

void SessionRouter::expire(std::chrono::steady_clock::time_point now) {
  for (auto& link : links_) link->expire(now);
}

void SessionRouter::close() {
  if (closed_) return;
  closed_ = true;
  for (auto& [gid, request] : server_requests_)
    calls_.server_request_dropped(gid, "the session ended before the client answered");
  server_requests_.clear();
  for (auto& link : links_) link->close();
  for (auto& [sid, weak] : streams_)
    if (auto s = weak.lock()) s->finish();
  streams_.clear();
}

}  // namespace mcpgw::router
