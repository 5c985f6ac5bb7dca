// The tamper-evident hash chain: each event carries the SHA-256 of its predecessor in its
// instance's chain, and its own hash covers a canonical serialization of its content plus
// that predecessor hash.
#pragma once
#include <cstdint>
#include <string>

#include "audit/event.h"

namespace mcpgw::audit {

inline const std::string kGenesisHash(64, '0');

// The chain position of the last event written: where the next event links to.
struct ChainHead {
  int64_t seq = 0;
  std::string hash = kGenesisHash;
};

// The bytes the hash covers: a JSON array of every field except `hash`, in a fixed order
// ("mcpgw-audit-v1", id, instance, seq, time, session_id, subject, roles, arguments,
// client_addr, user_agent, mcp_method, server, target, decision, reason, policy_revision,
// upstream_latency_us, outcome, error_code, response_bytes, trace_id, prev_hash), with
// arguments in sorted-key form. Anything that changes a stored field changes this.
std::string canonical_serialization(const Event& e);

// Hex SHA-256 of canonical_serialization(e) (which includes e.prev_hash).
std::string compute_hash(const Event& e);

// Links `e` after `head` (sets seq, prev_hash, hash) and advances `head`.
void link(Event& e, ChainHead& head);

}  // namespace mcpgw::audit
