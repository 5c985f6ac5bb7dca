#include "auth/challenge.h"

#include <nlohmann/json.hpp>

namespace mcpgw::auth {
namespace {

// Quoted-string content: printable ASCII without '"' and '\' (RFC 6750 §3 restricts
// error_description to these characters anyway).
std::string quotable(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') out.push_back(c);
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

// A reason often quotes the token (kid, iss, aud, alg): attacker-chosen text that goes to the
// log, the audit record and the response. Control characters become spaces (a CR/LF in a kid
// forged log lines) and the text is cut at kMaxReason bytes (an 8 KB issuer would otherwise
// come back in every challenge).
constexpr std::size_t kMaxReason = 256;

std::string printable_reason(std::string reason) {
  for (char& c : reason)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  if (reason.size() > kMaxReason) {
    std::size_t cut = kMaxReason;
    while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) --cut;
    reason.resize(cut);
    reason += "...";
  }
  return reason;
}

std::string default_metadata_url(const std::string& resource) {
  auto scheme_end = resource.find("://");
  auto path_start = resource.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  std::string origin = resource.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "" : resource.substr(path_start);
  if (path == "/") path.clear();
  return origin + "/.well-known/oauth-protected-resource" + path;
}

std::string bearer_challenge(const std::string& metadata_url,
                             const std::vector<std::string>& scopes, const std::string& error,
                             const std::string& description) {
  std::string out = "Bearer resource_metadata=\"" + quotable(metadata_url) + "\"";
  if (!scopes.empty()) out += ", scope=\"" + quotable(join(scopes)) + "\"";
  if (!error.empty()) out += ", error=\"" + error + "\"";
  if (!error.empty() && !description.empty())
    out += ", error_description=\"" + quotable(description) + "\"";
  return out;
}

Outcome deny(const Settings& settings, int status, std::string error, std::string reason,
             const std::vector<std::string>& scopes) {
  reason = printable_reason(std::move(reason));
  Outcome o;
  o.ok = false;
  o.http_status = status;
  std::string url = settings.resource_metadata_url.empty() ? default_metadata_url(settings.resource)
                                                           : settings.resource_metadata_url;
  o.www_authenticate = bearer_challenge(url, scopes, error, reason);
  o.error = std::move(error);
  o.reason = std::move(reason);
  return o;
}

std::string metadata_document(const Settings& settings) {
  nlohmann::json servers = nlohmann::json::array();
  for (const auto& is : settings.issuers)
    if (is.advertise) servers.push_back(is.issuer);
  nlohmann::json doc = {{"resource", settings.resource},
                        {"authorization_servers", servers},
                        {"scopes_supported", settings.scopes_supported},
                        {"bearer_methods_supported", {"header"}}};
  if (!settings.resource_name.empty()) doc["resource_name"] = settings.resource_name;
  return doc.dump();
}

}  // namespace mcpgw::auth
