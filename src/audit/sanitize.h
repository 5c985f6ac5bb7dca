// Makes an event storable everywhere: every string valid UTF-8 without NUL characters
// (PostgreSQL text and jsonb reject both, which would otherwise block a whole batch forever).
#pragma once
#include <string>

#include "audit/event.h"

namespace mcpgw::audit {

// Invalid UTF-8 sequences become U+FFFD; NUL becomes U+FFFD too. Returns true if it changed.
bool sanitize_text(std::string& s);
void sanitize(Event& e);
// The same for a JSON value (strings and keys), e.g. arguments parsed after sanitize(e).
void sanitize_json(nlohmann::json& j);

}  // namespace mcpgw::audit
