#include "audit/chain.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace mcpgw::audit {

namespace {

// A JSON string literal, as the hash format (mcpgw-audit-v1) writes it: quotes and backslashes
// escaped, every other control character as \u00XX. Part of what is hashed: changing it would
// make `audit verify` reject every chain already stored.
void append_hashed_string(std::string& out, const std::string& s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the characters that need no escape, not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u != '"' && u != '\\') continue;
    out.append(s, run, i - run);
    run = i + 1;
    if (u == '"' || u == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(u));
    } else {
      out += "\\u00";
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0x0f]);
    }
  }
  out.append(s, run, std::string::npos);
  out.push_back('"');
}

// Written by hand rather than through nlohmann::json: the writer hashes every event, and
// building a JSON array would copy every field first.
std::string canonical_with(const Event& e, const std::string& arguments_text) {
  std::string out;
  out.reserve(512);
  auto str = [&](const std::string& s) {
    append_hashed_string(out, s);
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
    append_hashed_string(out, e.roles[i]);
  }
  out += "],";
  out += arguments_text;
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
  append_hashed_string(out, e.prev_hash);
  out.push_back(']');
  return out;
}

std::string hex_sha256(const std::string& bytes) {
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

}  // namespace

std::string canonical_serialization(const Event& e) {
  return canonical_with(e,
                        e.arguments.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string compute_hash(const Event& e) {
  return hex_sha256(canonical_serialization(e));
}

void link(Event& e, ChainHead& head) {
  // The arguments are serialized once: for the hash, and kept for the sinks to store.
  e.arguments_text = e.arguments.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  e.seq = head.seq + 1;
  e.prev_hash = head.hash;
  e.hash = hex_sha256(canonical_with(e, e.arguments_text));
  head.seq = e.seq;
  head.hash = e.hash;
}

}  // namespace mcpgw::audit
