// One audit event: who called what, with which (redacted) arguments, the decision and its
// reason, and what happened. The schema is documented in docs/audit.md.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mcpgw::audit {

struct Event {
  // Set by the recorder (left empty / zero by the caller).
  std::string id;        // UUIDv7, time-ordered
  int64_t time_us = 0;   // microseconds since the Unix epoch (UTC); the recorder fills it if 0
  std::string instance;  // gateway instance; the recorder fills it from Settings if empty

  std::string session_id;
  std::string subject;
  std::vector<std::string> roles;
  std::string client_addr;
  std::string user_agent;
  std::string mcp_method;    // e.g. tools/call, resources/read
  std::string server;        // upstream server name
  std::string target;        // tool, resource or prompt name
  nlohmann::json arguments;  // redacted by the recorder before anything stores it
  // Instead of `arguments`, for callers on a hot path: the arguments as the JSON text received.
  // The recorder's writer thread parses, redacts and sanitizes it (the caller does not pay).
  std::string arguments_source;
  std::vector<std::string> redact_fields;  // set by record() with arguments_source
  std::string decision;                    // "allow" | "deny"
  std::string reason;
  std::string policy_revision;
  int64_t upstream_latency_us = 0;
  std::string outcome;                // "success" | "error" | "denied"
  std::optional<int64_t> error_code;  // JSON-RPC error code when outcome is "error"
  int64_t response_bytes = 0;
  std::string trace_id;

  // Set by the hash chain in the writer.
  int64_t seq = 0;        // position in the instance's chain, from 1
  std::string prev_hash;  // hex SHA-256 of the predecessor (64 zeros for the first event)
  std::string hash;       // hex SHA-256 over the canonical serialization and prev_hash
  // Set by link() with the hash: `arguments` in canonical form (sorted keys, compact), so the
  // sinks store the very text that was hashed without serializing it again. Empty: not linked.
  std::string arguments_text;
};

// The text the sinks store: `arguments_text` when set, else `arguments` in canonical form.
std::string arguments_json(const Event& e);
// `roles` as a JSON array of strings.
std::string roles_json(const Event& e);

// The JSON form used by the spool, the JSON-lines sink and query output.
nlohmann::json to_json(const Event& e);
// The same object as one line of text (keys in to_json's order, no newline), written directly
// rather than through nlohmann::json: what the JSON-lines sink and the spool write per event.
std::string to_json_line(const Event& e);
// Throws std::invalid_argument naming the field when `j` is not a valid event.
Event event_from_json(const nlohmann::json& j);

// "2026-11-25T18:55:00.123456Z" and back (std::invalid_argument on bad text).
std::string format_time(int64_t time_us);
int64_t parse_time(const std::string& text);

}  // namespace mcpgw::audit
