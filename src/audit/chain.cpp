#include "audit/chain.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace mcpgw::audit {

namespace {

void append_string(std::string& out, const std::string& s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += "\\u00";
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0x0f]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

// Written by hand rather than through nlohmann::json: the writer hashes every event, and
// building a JSON array would copy every field first.
std::string canonical_serialization(const Event& e) {
  std::string out;
  out.reserve(512);
  auto str = [&](const std::string& s) {
    append_string(out, s);
    out.push_back(',');
  };
  auto num = [&](int64_t v) {
    out += std::to_string(v);
    out.push_back(',');
  };
  out += "[\"mcpgw-audit-v1\",";
  str(e.id);
  str(e.instance);
  num(e.seq);
  str(format_time(e.time_us));
  str(e.session_id);
  str(e.subject);
  out.push_back('[');
  for (size_t i = 0; i < e.roles.size(); ++i) {
    if (i) out.push_back(',');
    append_string(out, e.roles[i]);
  }
  out += "],";
  out += e.arguments.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.push_back(',');
  str(e.client_addr);
  str(e.user_agent);
  str(e.mcp_method);
  str(e.server);
  str(e.target);
  str(e.decision);
  str(e.reason);
  str(e.policy_revision);
  num(e.upstream_latency_us);
  str(e.outcome);
  if (e.error_code)
    num(*e.error_code);
  else
    out += "null,";
  num(e.response_bytes);
  str(e.trace_id);
  append_string(out, e.prev_hash);
  out.push_back(']');
  return out;
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
