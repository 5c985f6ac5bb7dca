// Checks the Authenticator against a real identity provider (oidc-provider, started by
// tests/e2e/auth/run_idp_check.mjs): reads MCPGW_IDP_ISSUER, MCPGW_IDP_TOKEN and
// MCPGW_RESOURCE, verifies the token through discovery + JWKS, prints the identity.
// Exit 0 when accepted with the expected subject and scopes, 1 otherwise.
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <iostream>

#include "auth/authenticator.h"

int main() {
  const char* issuer = std::getenv("MCPGW_IDP_ISSUER");
  const char* token = std::getenv("MCPGW_IDP_TOKEN");
  const char* resource = std::getenv("MCPGW_RESOURCE");
  const char* expect_sub = std::getenv("MCPGW_EXPECT_SUB");
  if (!issuer || !token || !resource || !expect_sub) {
    std::cerr << "set MCPGW_IDP_ISSUER, MCPGW_IDP_TOKEN, MCPGW_RESOURCE, MCPGW_EXPECT_SUB\n";
    return 2;
  }
  using namespace mcpgw;
  std::string yaml =
      std::string("auth:\n  resource: ") + resource + "\n  issuers:\n    - issuer: " + issuer +
      "\n  required_scopes: [tools:read]\n  method_scopes: {tools/call: [tools:call]}\n";
  asio::io_context io;
  auth::Authenticator authenticator(auth::load_config(YAML::Load(yaml)), io);
  authenticator.start();
  int rc = 1;
  auto check = [&](const std::string& header, bool want_ok, const char* what) {
    bool finished = false;
    authenticator.authenticate(header, [&](auth::Outcome o) {
      finished = true;
      std::cout << what << ": " << (o.ok ? "accepted" : "rejected: " + o.reason) << "\n";
      if (o.ok) {
        std::cout << "  subject=" << o.identity->subject << " client_id=" << o.identity->client_id
                  << " scopes=";
        for (auto& s : o.identity->scopes) std::cout << s << ' ';
        std::cout << "\n";
        auto call = authenticator.check_scopes(*o.identity, "tools/call", "echo");
        std::cout << "  tools/call allowed: " << (call.ok ? "yes" : call.reason) << "\n";
        if (o.identity->subject != expect_sub || !call.ok) o.ok = false;
      } else {
        std::cout << "  WWW-Authenticate: " << o.www_authenticate << "\n";
      }
      if (o.ok != want_ok) rc = 3;
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!finished && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
    if (!finished) rc = 4;
  };
  rc = 0;
  check(std::string("Bearer ") + token, true, "IdP token");
  std::string tampered = token;
  tampered[tampered.find('.') + 5] ^= 1;
  check("Bearer " + tampered, false, "tampered IdP token");
  authenticator.stop();
  return rc;
}
