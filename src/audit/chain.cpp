#include "audit/chain.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace mcpgw::audit {

std::string canonical_serialization(const Event& e) {
  nlohmann::json a =
      nlohmann::json::array({"mcpgw-audit-v1",
                             e.id,
                             e.instance,
                             e.seq,
                             format_time(e.time_us),
                             e.session_id,
                             e.subject,
                             e.roles,
                             e.client_addr,
                             e.user_agent,
                             e.mcp_method,
                             e.server,
                             e.target,
                             e.arguments,
                             e.decision,
                             e.reason,
                             e.policy_revision,
                             e.upstream_latency_us,
                             e.outcome,
                             e.error_code ? nlohmann::json(*e.error_code) : nlohmann::json(nullptr),
                             e.response_bytes,
                             e.trace_id,
                             e.prev_hash});
  return a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string compute_hash(const Event& e) {
  std::string bytes = canonical_serialization(e);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("audit: SHA-256 failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0x0f]);
  }
  return out;
}

void link(Event& e, ChainHead& head) {
  e.seq = head.seq + 1;
  e.prev_hash = head.hash;
  e.hash = compute_hash(e);
  head.seq = e.seq;
  head.hash = e.hash;
}

}  // namespace mcpgw::audit
