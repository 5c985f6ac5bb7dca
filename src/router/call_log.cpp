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
  call.started = std::chrono::steady_clock::now();
  call.method = std::string(env.method_name(message));
  std::string decoded;
  if (env.name.present() && json::decode_string(env.name.in(message), decoded)) call.target = decoded;
  else if (env.uri.present() && json::decode_string(env.uri.in(message), decoded)) call.target = decoded;
  if (env.params.present()) call.arguments = std::string(env.params.in(message));
  open_[{stream, std::string(env.id.in(message))}] = std::move(call);
}

void CallLog::routed(const void* stream, std::string_view id_json, std::string_view server) {
  auto it = open_.find({stream, std::string(id_json)});
  if (it != open_.end()) it->second.server = std::string(server);
}

void CallLog::end(const void* stream, std::string_view response) {
  if (!recorder_ || open_.empty()) return;
  auto env = json::read_envelope(response);
  auto it = open_.find({stream, std::string(env.id.in(response))});
  if (it == open_.end()) return;
  std::optional<int64_t> code;
  std::string outcome = "success", reason = "allowed";
  if (env.error.present()) {
    outcome = "error";
    try {
      auto err = nlohmann::json::parse(env.error.in(response));
      if (err.contains("code") && err["code"].is_number_integer()) code = err["code"].get<int64_t>();
      if (err.contains("message") && err["message"].is_string()) reason = err["message"];
    } catch (const std::exception&) {
    }
  }
  write(it->second, outcome, code, static_cast<int64_t>(response.size()), reason);
  open_.erase(it);
}

void CallLog::abandon(const void* stream) {
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->first.first == stream) {
      write(it->second, "error", -32800, 0, "cancelled: the client went away or cancelled");
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
}

void CallLog::cancelled(std::string_view id_json) {
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (it->first.second == id_json) {
      write(it->second, "error", -32800, 0, "cancelled by the client");
      open_.erase(it);
      return;
    }
  }
}

void CallLog::write(const Open& call, const std::string& outcome, std::optional<int64_t> code,
                    int64_t bytes, const std::string& reason) {
  audit::Event e;
  fill_identity(e, info_);
  e.mcp_method = call.method;
  e.server = call.server;
  e.target = call.target;
  if (!call.arguments.empty()) {
    try {
      auto params = nlohmann::json::parse(call.arguments);
      // tools/call and prompts/get carry the caller's input in params.arguments.
      e.arguments = params.contains("arguments") ? params["arguments"] : params;
    } catch (const std::exception&) {
    }
  }
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
