// libFuzzer target: arbitrary bytes through parse_body, read_envelope, decode_string and splice.
// Invariants: nothing crashes; every span lies inside the text; a well-formed body's elements
// re-scan to exactly their own length; splicing every envelope span with its own text is the
// identity, and splicing in fresh values yields a message whose envelope reads the same way.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json/envelope.h"

namespace {

using namespace mcpgw::json;

void require(bool ok) {
  if (!ok) std::abort();
}

void check_span(Span s, std::string_view text) {
  if (s.present()) require(s.pos <= text.size() && s.len <= text.size() - s.pos);
}

void check_element(std::string_view text) {
  // The element was accepted by parse_body: it must skip to exactly its end.
  require(skip_value(text, 0, 1) == text.size());
  Envelope e = read_envelope(text);
  for (Span s : {e.jsonrpc, e.id, e.method, e.params, e.result, e.error, e.name, e.uri,
                 e.progress_token, e.request_id, e.ref})
    check_span(s, text);
  if (e.kind == MessageKind::Invalid) {
    require(!e.invalid_reason.empty());
    return;
  }
  std::string decoded;
  if (e.name.present() && text[e.name.pos] == '"') require(decode_string(e.name.in(text), decoded));
  if (e.id.present() && text[e.id.pos] == '"') require(decode_string(e.id.in(text), decoded));

  // Identity splice.
  std::vector<Splice> same;
  if (e.id.present()) same.push_back({e.id, e.id.in(text)});
  if (e.name.present()) same.push_back({e.name, e.name.in(text)});
  require(splice(text, same) == text);

  // Rewrite id and name the way the router does, then read the result back.
  if (e.kind == MessageKind::Request && e.name.present()) {
    std::string name = quote("n\"e\\w");
    std::string out = splice(text, {{e.name, name}, {e.id, "4242"}});
    require(parse_body(out).ok);
    Envelope again = read_envelope(out);
    require(again.kind == MessageKind::Request);
    require(again.id.in(out) == "4242");
    require(again.name.in(out) == name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Parsed p = parse_body(text);
  if (!p.ok) {
    require(!p.error.empty());
    require(p.elements.empty() || p.error != "trailing characters after JSON value");
  } else {
    for (Span s : p.elements) {
      check_span(s, text);
      check_element(s.in(text));
    }
  }
  // The scanner must also be safe on text parse_body refused.
  Envelope raw = read_envelope(text);
  for (Span s : {raw.jsonrpc, raw.id, raw.method, raw.params, raw.result, raw.error, raw.name})
    check_span(s, text);
  std::string out;
  if (size >= 2 && text.front() == '"' && text.back() == '"') decode_string(text, out);
  return 0;
}
