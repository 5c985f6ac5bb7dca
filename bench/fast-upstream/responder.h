// The MCP part of fast-upstream, free of I/O: a POST body in, the HTTP status and body out.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace mcpgw::bench {

struct Reply {
  unsigned status = 200;   // 200 with a JSON body, 202 for notifications and responses
  std::string body;        // empty for 202
  std::string session_id;  // set when an initialize created a session: sent as Mcp-Session-Id
};

// Answers initialize, ping, tools/list and tools/call (one tool, `echo`) at once. Thread-safe.
class Responder {
 public:
  Responder();

  // `session` is the request's Mcp-Session-Id header (empty when absent).
  Reply handle_post(std::string_view body, std::string_view session) const;

  // True for ids this process issued. Ids are a random per-process prefix plus a counter, so the
  // check needs no shared table.
  bool is_known_session(std::string_view session) const;

 private:
  std::string prefix_;
  mutable std::atomic<uint64_t> next_session_{1};
};

}  // namespace mcpgw::bench
