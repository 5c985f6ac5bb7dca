#include "session/upstream_link.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "mcp/protocol.h"

namespace mcpgw::session {
namespace {

bool parse_int_id(std::string_view text, int64_t& out) {
  if (text.size() >= 2 && text.front() == '"') text = text.substr(1, text.size() - 2);
  auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

}  // namespace

UpstreamLink::UpstreamLink(asio::io_context& io, const config::ServerConfig& server,
                           std::shared_ptr<upstream::SharedServerState> shared,
                           UpstreamEvents& events,
                           std::shared_ptr<upstream::Credentials> credentials,
                           std::shared_ptr<RestartGate> gate)
    : io_(io),
      server_(server),
      shared_(std::move(shared)),
      events_(events),
      credentials_(std::move(credentials)),
      gate_(std::move(gate)),
      backoff_(server.restart_backoff_initial) {}

UpstreamLink::~UpstreamLink() {
  *alive_ = false;
  if (transport_) transport_->close();
}

void UpstreamLink::start(std::string initialize_params, std::function<void(bool ok)> done) {
  init_params_ = std::move(initialize_params);
  start_done_ = std::move(done);
  spawn_transport();
}

void UpstreamLink::spawn_transport() {
  if (transport_) transport_->close();
  state_ = State::Starting;
  transport_ = upstream::make_transport(server_, shared_, io_, credentials_);
  std::weak_ptr<UpstreamLink> weak = weak_from_this();
  auto* transport = transport_.get();
  upstream::Transport::Handlers h;
  h.on_message = [weak, transport](std::string message, std::string_view in_reply_to) {
    auto self = weak.lock();
    if (self && self->transport_.get() == transport)
      self->on_message(std::move(message), in_reply_to);
  };
  h.on_closed = [weak, transport](std::string reason) {
    auto self = weak.lock();
    if (self && self->transport_.get() == transport) self->on_closed(std::move(reason));
  };
  transport_->start(std::move(h));

  // The handshake: initialize, then notifications/initialized at once, so that the upstream's
  // server-to-client stream is open before anything may be sent on it.
  start_timer_ = std::make_unique<asio::steady_timer>(io_, server_.connect_timeout);
  start_timer_->async_wait([weak, transport](error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->transport_.get() != transport) return;
    if (self->state_ == State::Starting)
      self->on_closed("no initialize response within " +
                      std::to_string(self->server_.connect_timeout.count()) + " ms");
  });
  int64_t id = next_id();
  Pending p;
  p.deadline = std::chrono::steady_clock::now() + server_.connect_timeout;
  p.callback = [weak, transport](std::string_view message, const json::Envelope& env) {
    auto self = weak.lock();
    if (!self || self->transport_.get() != transport) return;
    if (self->start_timer_) self->start_timer_->cancel();
    if (!env.result.present()) {
      std::string why = env.error.present() ? std::string(env.error.in(message)) : "bad response";
      self->on_closed("initialize failed: " + why);
      return;
    }
    self->init_result_ = std::string(env.result.in(message));
    self->capabilities_.clear();
    try {
      auto r = nlohmann::json::parse(self->init_result_);
      self->protocol_version_ = r.value("protocolVersion", std::string());
      if (r.contains("capabilities") && r["capabilities"].is_object())
        for (auto& [key, value] : r["capabilities"].items()) self->capabilities_.push_back(key);
    } catch (const std::exception&) {
    }
    // on_initialized first: the HTTP transport then opens its GET stream and holds what follows
    // until it is open, so nothing the upstream sends after initialized is lost.
    self->transport_->on_initialized(self->protocol_version_);
    self->transport_->send(mcp::notification("notifications/initialized", {}));
    self->state_ = State::Ready;
    self->failed_starts_ = 0;
    if (self->gate_) self->gate_->ready(*self);
    self->backoff_ = self->server_.restart_backoff_initial;
    spdlog::info("upstream {}: ready ({}, protocol {})", self->server_.name,
                 self->transport_->describe(), self->protocol_version_);
    // The session's first start reports through start's callback; any later start is a
    // recovery, which the session hears of (after this start's queued requests are sent).
    auto done = std::move(self->start_done_);
    self->start_done_ = nullptr;
    if (done) done(true);
    self->flush_queue();
    if (!done) self->events_.on_upstream_restored(*self);
  };
  pending_[id] = std::move(p);
  transport_->send(mcp::request(std::to_string(id), "initialize", init_params_));
}

bool UpstreamLink::has_capability(std::string_view capability) const {
  return std::find(capabilities_.begin(), capabilities_.end(), capability) != capabilities_.end();
}

void UpstreamLink::flush_queue() {
  auto q = std::move(queued_);
  queued_.clear();
  for (auto& f : q) f();
}

void UpstreamLink::forward_request(std::string_view message, const json::Envelope& env,
                                   std::shared_ptr<EventStream> stream,
                                   std::string_view rewritten_name) {
  auto send_error = [&](const std::string& why) {
    stream->send(mcp::error_response(env.id.in(message), mcp::error::kUpstreamUnavailable, why),
                 true);
    stream->response_done();
  };
  if (state_ == State::Closed) return send_error("upstream " + server_.name + " is closed");
  if (state_ == State::Down && !restart_if_due()) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        restart_not_before_ - std::chrono::steady_clock::now());
    return send_error("upstream " + server_.name + " is unavailable (" + last_error_ +
                      "); next restart in " + std::to_string(std::max<long long>(0, ms.count())) +
                      " ms");
  }
  if (state_ == State::Starting) {
    std::weak_ptr<UpstreamLink> weak = weak_from_this();
    queued_.push_back(
        [weak, msg = std::string(message), stream, name = std::string(rewritten_name)]() {
          auto self = weak.lock();
          if (!self) return;
          auto env = json::read_envelope(msg);
          self->forward_request(msg, env, stream, name);
        });
    return;
  }
  int64_t id = next_id();
  std::string id_text = std::to_string(id);
  std::vector<json::Splice> edits{{env.id, id_text}};
  std::string quoted_name;
  if (!rewritten_name.empty()) {
    quoted_name = json::quote(rewritten_name);
    edits.push_back({env.name, quoted_name});
  }
  Pending p;
  p.stream = stream;
  p.client_id = std::string(env.id.in(message));
  if (env.progress_token.present()) {
    p.client_token = std::string(env.progress_token.in(message));
    edits.push_back({env.progress_token, id_text});
  }
  p.deadline = std::chrono::steady_clock::now() + server_.request_timeout;
  pending_[id] = std::move(p);
  transport_->send(json::splice(message, std::move(edits)));
}

void UpstreamLink::call(std::string_view method, std::string_view params_json, Callback cb) {
  if (state_ == State::Down) restart_if_due();
  if (state_ != State::Ready) {
    if (state_ == State::Starting) {
      std::weak_ptr<UpstreamLink> weak = weak_from_this();
      queued_.push_back([weak, m = std::string(method), p = std::string(params_json), cb]() {
        if (auto self = weak.lock()) self->call(m, p, cb);
      });
      return;
    }
    std::string msg =
        mcp::error_response("0", mcp::error::kUpstreamUnavailable,
                            "upstream " + server_.name + " is unavailable" +
                                (last_error_.empty() ? std::string() : " (" + last_error_ + ")"));
    cb(msg, json::read_envelope(msg));
    return;
  }
  int64_t id = next_id();
  Pending p;
  p.callback = std::move(cb);
  p.deadline = std::chrono::steady_clock::now() + server_.request_timeout;
  pending_[id] = std::move(p);
  transport_->send(mcp::request(std::to_string(id), method, params_json));
}

void UpstreamLink::send_raw(std::string message) {
  if (state_ == State::Ready) transport_->send(std::move(message));
}

void UpstreamLink::on_message(std::string message, std::string_view in_reply_to) {
  size_t first = message.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && message[first] == '[') {
    auto parsed = json::parse_body(message);
    if (!parsed.ok) {
      spdlog::warn("upstream {}: dropped malformed batch: {}", server_.name, parsed.error);
      return;
    }
    for (auto& el : parsed.elements) on_message(std::string(el.in(message)), in_reply_to);
    return;
  }
  auto env = json::read_envelope(message);
  switch (env.kind) {
    case json::MessageKind::Invalid:
      spdlog::warn("upstream {}: dropped invalid message ({}): {:.200}", server_.name,
                   env.invalid_reason, message);
      return;
    case json::MessageKind::Response: {
      int64_t id;
      if (!parse_int_id(env.id.in(message), id)) {
        spdlog::warn("upstream {}: response with an id the gateway never sent: {}", server_.name,
                     env.id.in(message));
        return;
      }
      auto it = pending_.find(id);
      if (it == pending_.end()) {
        spdlog::debug("upstream {}: late response {} dropped", server_.name, id);
        return;
      }
      Pending p = std::move(it->second);
      pending_.erase(it);
      complete(p, message, env);
      return;
    }
    default: {
      std::shared_ptr<EventStream> related;
      if (!in_reply_to.empty()) related = stream_for_upstream_id(in_reply_to);
      events_.on_upstream_message(*this, std::move(message), env, std::move(related));
    }
  }
}

void UpstreamLink::complete(Pending& p, std::string_view message, const json::Envelope& env) {
  if (p.callback) {
    p.callback(message, env);
    return;
  }
  auto stream = p.stream.lock();
  if (!stream) return;
  // The audit trail learns the id and the error from here: a large result is not read twice.
  EventStream::ResponseFacts facts{p.client_id, env.error.in(message)};
  stream->send(json::splice(message, {{env.id, p.client_id}}), true, &facts);
  stream->response_done();
}

void UpstreamLink::on_closed(std::string reason) {
  if (state_ == State::Closed) return;
  // A restart that fails like the one before it is not news: said once at warn, then at debug
  // (a session restarts its dead upstream on its own, up to every restart_backoff_max).
  bool repeated = state_ == State::Starting && failed_starts_ > 0 && reason == last_error_;
  if (state_ == State::Starting) ++failed_starts_;
  if (gate_) gate_->failed(*this);
  spdlog::log(repeated ? spdlog::level::debug : spdlog::level::warn, "upstream {}: down: {}",
              server_.name, reason);
  state_ = State::Down;
  last_error_ = reason;
  back_off();
  fail_all(mcp::error::kUpstreamUnavailable, "upstream " + server_.name + " failed: " + reason);
  if (auto done = std::move(start_done_)) {
    start_done_ = nullptr;
    done(false);
  }
  // Queued requests see state Down and answer with an error.
  flush_queue();
  schedule_restart();
}

void UpstreamLink::back_off() {
  restart_not_before_ = std::chrono::steady_clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, server_.restart_backoff_max);
}

bool UpstreamLink::restart_if_due() {
  if (state_ != State::Down || std::chrono::steady_clock::now() < restart_not_before_) return false;
  spdlog::log(failed_starts_ > 1 ? spdlog::level::debug : spdlog::level::info,
              "upstream {}: restarting", server_.name);
  spawn_transport();
  return true;
}

void UpstreamLink::schedule_restart() {
  if (state_ != State::Down) return;
  // A session's upstream that is down comes back on its own, so that its tools reappear without
  // the client having to call one of them first.
  if (!restart_timer_) restart_timer_ = std::make_unique<asio::steady_timer>(io_);
  restart_timer_->expires_at(restart_not_before_);
  std::weak_ptr<UpstreamLink> weak = weak_from_this();
  restart_timer_->async_wait([weak](error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->state_ != State::Down) return;
    if (self->gate_ && !self->gate_->claim(self)) {
      // Another session's link is probing the server: look again after the next backoff, in
      // case that session ends before its probe does; a probe that succeeds restarts this one.
      self->back_off();
      self->schedule_restart();
      return;
    }
    self->restart_if_due();
  });
}

void UpstreamLink::restart_now() {
  if (state_ != State::Down) return;
  restart_not_before_ = std::chrono::steady_clock::now();
  std::weak_ptr<UpstreamLink> weak = weak_from_this();
  asio::post(io_, [weak] {
    if (auto self = weak.lock()) self->restart_if_due();
  });
}

void UpstreamLink::fail_all(int code, const std::string& why) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) {
    std::string id_json = p.callback ? std::to_string(id) : p.client_id;
    std::string msg = mcp::error_response(id_json, code, why);
    complete(p, msg, json::read_envelope(msg));
  }
}

bool UpstreamLink::cancel_client_request(std::string_view client_id_json, const EventStream* stream,
                                         std::string_view reason) {
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    auto& p = it->second;
    if (p.callback || p.client_id != client_id_json) continue;
    auto s = p.stream.lock();
    if (stream && s.get() != stream) continue;
    std::string params = R"({"requestId":)" + std::to_string(it->first) + R"(,"reason":)" +
                         json::quote(reason) + "}";
    send_raw(mcp::notification("notifications/cancelled", params));
    pending_.erase(it);
    if (s) s->response_done();  // a cancelled request gets no response
    return true;
  }
  return false;
}

void UpstreamLink::cancel_stream(const EventStream* stream) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto s = it->second.stream.lock();
    if (!it->second.callback && (!s || s.get() == stream)) {
      std::string params =
          R"({"requestId":)" + std::to_string(it->first) + R"(,"reason":"client disconnected"})";
      send_raw(mcp::notification("notifications/cancelled", params));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

bool UpstreamLink::map_progress(std::string_view upstream_token,
                                std::shared_ptr<EventStream>& stream, std::string& client_token) {
  int64_t id;
  if (!parse_int_id(upstream_token, id)) return false;
  auto it = pending_.find(id);
  if (it == pending_.end() || it->second.client_token.empty()) return false;
  stream = it->second.stream.lock();
  client_token = it->second.client_token;
  return stream != nullptr;
}

std::shared_ptr<EventStream> UpstreamLink::stream_for_upstream_id(std::string_view id_json) {
  int64_t id;
  if (!parse_int_id(id_json, id)) return nullptr;
  auto it = pending_.find(id);
  return it == pending_.end() ? nullptr : it->second.stream.lock();
}

std::shared_ptr<EventStream> UpstreamLink::sole_pending_stream() {
  std::shared_ptr<EventStream> found;
  for (auto& [id, p] : pending_) {
    if (p.callback) continue;
    if (found) return nullptr;
    found = p.stream.lock();
  }
  return found;
}

void UpstreamLink::expire(std::chrono::steady_clock::time_point now) {
  std::vector<int64_t> late;
  for (auto& [id, p] : pending_)
    if (p.deadline <= now) late.push_back(id);
  for (int64_t id : late) {
    Pending p = std::move(pending_[id]);
    pending_.erase(id);
    send_raw(mcp::notification("notifications/cancelled", R"({"requestId":)" + std::to_string(id) +
                                                              R"(,"reason":"timeout"})"));
    std::string id_json = p.callback ? std::to_string(id) : p.client_id;
    std::string msg =
        mcp::error_response(id_json, mcp::error::kUpstreamTimeout,
                            "upstream " + server_.name + " did not answer within " +
                                std::to_string(server_.request_timeout.count()) + " ms");
    complete(p, msg, json::read_envelope(msg));
  }
}

void UpstreamLink::close() {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  if (restart_timer_) restart_timer_->cancel();
  if (gate_) gate_->release(*this);  // a probe that ends with its session is no probe
  if (transport_) transport_->close();
  fail_all(mcp::error::kUpstreamUnavailable, "session ended");
  queued_.clear();
}

}  // namespace mcpgw::session
