// RFC 6750 / RFC 9728 bits: the WWW-Authenticate challenge and the protected resource
// metadata document.
#pragma once
#include <string>
#include <vector>

#include "auth/authenticator.h"

namespace mcpgw::auth {

// The metadata URL for a resource: https://host/.well-known/oauth-protected-resource/path.
std::string default_metadata_url(const std::string& resource);

// Text from outside (a token's fields, an IdP's error_description) made fit for the log, the
// audit record and a response: control characters become spaces, cut at 256 bytes.
std::string printable_reason(std::string reason);

// `Bearer resource_metadata="…", scope="…"[, error="…", error_description="…"]`.
std::string bearer_challenge(const std::string& metadata_url,
                             const std::vector<std::string>& scopes, const std::string& error,
                             const std::string& description);

// A failed outcome (401 or 403) with its challenge.
Outcome deny(const Settings& settings, int status, std::string error, std::string reason,
             const std::vector<std::string>& scopes);

std::string metadata_document(const Settings& settings);

}  // namespace mcpgw::auth
