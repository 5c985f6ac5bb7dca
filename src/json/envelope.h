// The JSON-RPC envelope of one MCP message, read without building a document: where the id,
// method, params, result and error are, and a few params fields that routing needs. Payloads are
// forwarded as bytes; the gateway only splices ids, progress tokens and names.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mcpgw::json {

// A slice of the message text: [pos, pos + len). len == 0 means absent.
struct Span {
  size_t pos = 0;
  size_t len = 0;
  bool present() const { return len != 0; }
  std::string_view in(std::string_view text) const { return text.substr(pos, len); }
};

enum class MessageKind { Request, Notification, Response, Invalid };

struct Envelope {
  MessageKind kind = MessageKind::Invalid;
  Span jsonrpc;  // the value, with quotes
  Span id;       // the value as written: 7, "abc", null
  Span method;   // the string value, with quotes
  Span params;   // the value (object or array)
  Span result;
  Span error;
  // Fields inside params that the gateway routes or rewrites on (values, as written).
  Span name;            // params.name (tools/call, prompts/get)
  Span uri;             // params.uri (resources/read, subscribe, unsubscribe)
  Span progress_token;  // params._meta.progressToken (requests) or params.progressToken (progress)
  Span request_id;      // params.requestId (notifications/cancelled)
  Span ref;             // params.ref (completion/complete)
  Span arguments;       // params.arguments (tools/call, prompts/get): what the audit records
  std::string invalid_reason;  // why kind == Invalid

  // The method name without quotes (method names never need escapes in MCP; an escaped one
  // is returned undecoded and will simply not match a known method).
  std::string_view method_name(std::string_view text) const {
    return method.len >= 2 ? text.substr(method.pos + 1, method.len - 2) : std::string_view{};
  }
};

// Result of reading a whole HTTP body: one message, or a batch of them.
struct Parsed {
  bool ok = false;    // false: malformed JSON (-32700)
  std::string error;  // why, when !ok
  bool batch = false;
  std::vector<Span> elements;  // the top-level value, or each batch element
};

// Checks the text is one well-formed JSON value (object or array of values) and splits batches.
Parsed parse_body(std::string_view text);

// Reads the envelope of one message (text must be a well-formed JSON value).
Envelope read_envelope(std::string_view text);

// Skips one JSON value starting at pos (after whitespace); returns the end offset, or npos on a
// syntax error. Exposed for tests and for callers that walk objects.
size_t skip_value(std::string_view text, size_t pos, int depth = 0);

// Decodes a JSON string value (with quotes) into UTF-8. Returns false if it is not a string.
bool decode_string(std::string_view quoted, std::string& out);

// Encodes text as a JSON string value with quotes.
std::string quote(std::string_view text);
void append_quoted(std::string& out, std::string_view text);

// Returns text with the given spans replaced (spans must not overlap; any order).
struct Splice {
  Span span;
  std::string_view replacement;
};
std::string splice(std::string_view text, std::vector<Splice> edits);

}  // namespace mcpgw::json
