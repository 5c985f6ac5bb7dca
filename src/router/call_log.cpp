#include "router/call_log.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "audit/recorder.h"
#include "auth/authenticator.h"

namespace mcpgw::router {
namespace {

void fill_identity(audit::Event& e, const SessionInfo& info) {
  e.session_id = info.session_id;
  e.client_addr = info.client_addr;
  e.user_agent = info.user_agent;
  if (info.identity) {
    e.subject = info.identity->subject;
    e.roles = info.identity->roles;
  } else {
    e.subject = "anonymous";
  }
}

}  // namespace

void CallLog::begin(const void* stream, std::string_view message, const json::Envelope& env) {
  if (!recorder_) return;
  Open call;
  call.stream = stream;
  call.id = std::string(env.id.in(message));
  call.started = std::chrono::steady_clock::now();
  call.method = std::string(env.method_name(message));
  if (env.name.present())
    json::decode_string(env.name.in(message), call.target);
  else if (env.uri.present())
    json::decode_string(env.uri.in(message), call.target);
  // tools/call and prompts/get carry the caller's input in params.arguments; other methods'
  // params are recorded whole. Kept as text: the recorder's writer parses and redacts it.
  if (env.arguments.present())
    call.arguments = std::string(env.arguments.in(message));
  else if (env.params.present())
    call.arguments = std::string(env.params.in(message));
  if (auto it = find(stream, call.id); it != open_.end())
    *it = std::move(call);
  else
    open_.push_back(std::move(call));
}

std::vector<CallLog::Open>::iterator CallLog::find(const void* stream, std::string_view id_json) {
  for (auto it = open_.end(); it != open_.begin();) {
    --it;
    if (it->stream == stream && it->id == id_json) return it;
  }
  return open_.end();
}

void CallLog::routed(const void* stream, std::string_view id_json, std::string_view server) {
  auto it = find(stream, id_json);
  if (it != open_.end()) it->server = std::string(server);
}

void CallLog::end(const void* stream, std::string_view response,
                  const session::EventStream::ResponseFacts* facts) {
  if (!recorder_ || open_.empty()) return;
  if (facts) {
    auto it = find(stream, facts->id);
    if (it != open_.end()) finish(it, response.size(), facts->error);
    return;
  }
  auto env = json::read_envelope(response);
  auto it = find(stream, env.id.in(response));
  if (it != open_.end()) finish(it, response.size(), env.error.in(response));
}

void CallLog::finish(std::vector<Open>::iterator it, size_t response_bytes,
                     std::string_view error) {
  std::optional<int64_t> code;
  std::string outcome = "success", reason = "allowed";
  if (!error.empty()) {
    outcome = "error";
    try {
      auto err = nlohmann::json::parse(error);
      if (err.contains("code") && err["code"].is_number_integer())
        code = err["code"].get<int64_t>();
      if (err.contains("message") && err["message"].is_string()) reason = err["message"];
    } catch (const std::exception&) {
    }
  }
  write(*it, outcome, code, static_cast<int64_t>(response_bytes), reason);
  open_.erase(it);
}

void CallLog::abandon(const void* stream) {
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->stream == stream) {
      write(*it, "error", -32800, 0, "cancelled: the client went away or cancelled");
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
}

void CallLog::cancelled(std::string_view id_json) {
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (it->id == id_json && it->stream != server_requests_tag()) {
      write(*it, "error", -32800, 0, "cancelled by the client");
      open_.erase(it);
      return;
    }
  }
}

void CallLog::server_request(int64_t client_id, std::string_view message, const json::Envelope& env,
                             std::string_view server) {
  if (!recorder_) return;
  Open call;
  call.stream = server_requests_tag();
  call.id = std::to_string(client_id);
  call.started = std::chrono::steady_clock::now();
  call.method = std::string(env.method_name(message));
  call.server = std::string(server);
  if (env.params.present()) call.arguments = std::string(env.params.in(message));
  open_.push_back(std::move(call));
}

void CallLog::server_request_answered(int64_t client_id, std::string_view response,
                                      const json::Envelope& env) {
  if (!recorder_) return;
  auto it = find(server_requests_tag(), std::to_string(client_id));
  if (it != open_.end()) finish(it, response.size(), env.error.in(response));
}

void CallLog::server_request_dropped(int64_t client_id, const std::string& reason) {
  if (!recorder_) return;
  auto it = find(server_requests_tag(), std::to_string(client_id));
  if (it == open_.end()) return;
  write(*it, "error", -32800, 0, reason);
  open_.erase(it);
}

void CallLog::write(Open& call, const std::string& outcome, std::optional<int64_t> code,
                    int64_t bytes, const std::string& reason) {
  audit::Event e;
  fill_identity(e, info_);
  e.mcp_method = std::move(call.method);
  e.server = std::move(call.server);
  e.target = std::move(call.target);
  e.arguments_source = std::move(call.arguments);
  e.decision = "allow";
  e.reason = reason;
  e.upstream_latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - call.started)
                              .count();
  e.outcome = outcome;
  e.error_code = code;
  e.response_bytes = bytes;
  recorder_->record(std::move(e));
}

void record_denial(audit::Recorder* recorder, const SessionInfo& info, std::string_view method,
                   std::string_view target, const std::string& reason) {
  if (!recorder) return;
  audit::Event e;
  fill_identity(e, info);
  if (!info.identity) e.subject = "";
  e.mcp_method = std::string(method);
  e.target = std::string(target);
  e.decision = "deny";
  e.reason = reason;
  e.outcome = "denied";
  recorder->record(std::move(e));
}

}  // namespace mcpgw::router
