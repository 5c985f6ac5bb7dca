// The https path of the JWKS fetcher against a real TLS server on loopback whose certificate
// comes from a CA made at test time: a trusted certificate (auth.tls_ca_file) gives keys and
// verified tokens, through RFC 8414 and OpenID discovery; an unknown CA or a name the
// certificate does not cover fails the fetch with the reason logged, and tokens are refused.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/http_fetch.h"
#include "auth/issuer_keys.h"
#include "auth_fixture.h"
#include "ops/config.h"
#include "test_ca.h"

namespace mcpgw::auth::testing {
namespace {

::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' is not in: " << text;
}

// Captures what the auth module logs while it lives.
HttpResponse fetch(const std::string& url, const std::string& ca_file) {
  HttpRequest request;
  request.url = url;
  request.ca_file = ca_file;
  return http_fetch(request);
}

class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() {
    spdlog::default_logger()->flush();
    return text_.str();
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream text_;
};

class HttpsJwks : public AuthFixture {
 protected:
  HttpsJwks()
      : ca_("mcp-gateway test CA"),
        other_ca_("an unrelated CA"),
        good_(serve(ca_.issue("localhost", "DNS:localhost,IP:127.0.0.1"))),
        misnamed_(serve(ca_.issue("idp.example.com", "DNS:idp.example.com,IP:10.1.2.3"))) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mcpgw-https-jwks-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    ca_file_ = ca_.write_cert(dir_ + "/ca.pem");
    other_ca_file_ = other_ca_.write_cert(dir_ + "/other-ca.pem");
  }
  ~HttpsJwks() override { std::filesystem::remove_all(dir_); }

  // A TLS server with the fixture's JWKS. Metadata names the issuer the client asked for (the
  // scheme, Host and path it used): RFC 8414 at the root for a path-less issuer, OpenID
  // discovery (only) for an issuer with a path.
  std::unique_ptr<LoopbackHttpServer> serve(const TlsIdentity& identity) {
    return std::make_unique<LoopbackHttpServer>(
        [this](const TestRequest& r) -> TestResponse {
          std::string origin = "https://" + r.host;
          if (r.target == "/.well-known/oauth-authorization-server")
            return {200, nlohmann::json{{"issuer", origin}, {"jwks_uri", origin + "/jwks"}}.dump()};
          if (r.target == "/realms/test/.well-known/openid-configuration")
            return {200, nlohmann::json{{"issuer", origin + "/realms/test"},
                                        {"jwks_uri", origin + "/jwks"}}
                             .dump()};
          return handle(r);  // the fixture's /jwks, 404 otherwise
        },
        identity);
  }

  std::string config(const std::string& issuer, const std::string& ca_file) const {
    return "auth:\n  resource: " + kResource + "\n  issuers:\n    - issuer: " + issuer +
           "\n  required_scopes: [tools:read]\n  http_timeout: 3s\n" +
           (ca_file.empty() ? "" : "  tls_ca_file: " + ca_file + "\n");
  }

  nlohmann::json claims_for(const std::string& issuer, const std::string& sub) const {
    auto c = claims(sub);
    c["iss"] = issuer;
    return c;
  }

  // What IssuerKeys::refresh says for `issuer` when trusting `ca_file`.
  std::string refresh_error(const std::string& issuer, const std::string& ca_file) const {
    auto settings = load_config(YAML::Load(config(issuer, ca_file)));
    IssuerSettings is = settings.issuers.at(0);
    is.audiences = {kResource};
    IssuerKeys keys(is, settings);
    return keys.refresh(false);
  }

  // With keys out of reach over TLS: the refresh names OpenSSL's verdict, the log says it, and
  // a token signed by a key of the real JWKS is refused (fail closed).
  void expect_fails_closed(const std::string& issuer, const std::string& ca_file,
                           const SigningKey& key, const std::string& verdict) {
    std::string error = refresh_error(issuer, ca_file);
    EXPECT_TRUE(Contains(error, "certificate verify failed"));
    EXPECT_TRUE(Contains(error, verdict));
    LogCapture log;
    auto auth = make(config(issuer, ca_file));
    auto r = run(*auth, bearer(key.mint(claims_for(issuer, "alice"))));
    EXPECT_FALSE(r.outcome.ok);
    EXPECT_EQ(r.outcome.http_status, 401);
    EXPECT_EQ(r.outcome.reason,
              "no signing keys available for issuer " + issuer + " (JWKS unreachable)");
    auth->stop();
    std::string text = log.text();
    EXPECT_TRUE(Contains(text, "auth: issuer " + issuer + ": key refresh failed"));
    EXPECT_TRUE(Contains(text, verdict));
  }

  TestCa ca_, other_ca_;
  std::unique_ptr<LoopbackHttpServer> good_, misnamed_;
  std::string dir_, ca_file_, other_ca_file_;
};

TEST_F(HttpsJwks, FetchesFromAServerTheCaFileVouchesFor) {
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    auto res = fetch(good_->base_url(host) + "/jwks", ca_file_);
    EXPECT_EQ(res.error, "") << host;
    ASSERT_EQ(res.status, 200) << host;
    EXPECT_EQ(nlohmann::json::parse(res.body)["keys"].size(), 3u);
  }
  EXPECT_EQ(good_->failed_handshakes(), 0);
}

TEST_F(HttpsJwks, RefusesACertificateFromAnotherCa) {
  std::string prefix = "TLS handshake with 127.0.0.1:" + std::to_string(good_->port()) + ": ";
  for (const auto& ca_file : {other_ca_file_, std::string()}) {  // and the system store alone
    auto res = fetch(good_->base_url() + "/jwks", ca_file);
    EXPECT_EQ(res.status, 0);
    EXPECT_EQ(res.body, "");
    EXPECT_EQ(res.error.rfind(prefix, 0), 0u) << res.error;
    EXPECT_TRUE(Contains(res.error, "certificate verify failed"));
    EXPECT_TRUE(Contains(res.error, "(unable to get local issuer certificate)"));
  }
  EXPECT_EQ(good_->hits("/jwks"), 0);
  // The server sees the client's alert a moment after the client gave up: bounded wait.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (good_->failed_handshakes() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(good_->failed_handshakes(), 2);
}

TEST_F(HttpsJwks, RefusesACertificateForAnotherName) {
  auto by_address = fetch(misnamed_->base_url("127.0.0.1") + "/jwks", ca_file_);
  EXPECT_EQ(by_address.status, 0);
  EXPECT_TRUE(Contains(by_address.error, "certificate verify failed"));
  EXPECT_TRUE(Contains(by_address.error, "(IP address mismatch)"));
  auto by_name = fetch(misnamed_->base_url("localhost") + "/jwks", ca_file_);
  EXPECT_EQ(by_name.status, 0);
  EXPECT_TRUE(Contains(by_name.error, "TLS handshake with localhost:"));
  EXPECT_TRUE(Contains(by_name.error, "(hostname mismatch)"));
  EXPECT_EQ(misnamed_->hits("/jwks"), 0);
}

TEST_F(HttpsJwks, NamesAnUnusableCaFile) {
  std::ofstream(dir_ + "/garbage.pem") << "not a certificate\n";
  for (const std::string name : {"/missing.pem", "/garbage.pem"}) {
    auto res = fetch(good_->base_url() + "/jwks", dir_ + name);
    EXPECT_EQ(res.status, 0);
    EXPECT_EQ(res.error.rfind("cannot load CA file " + dir_ + name + ": ", 0), 0u) << res.error;
  }
  EXPECT_EQ(good_->failed_handshakes(), 0);  // nothing was attempted
}

TEST_F(HttpsJwks, ConfigRefusesAnUnreadableCaFile) {
  try {
    load_config(YAML::Load(config(good_->base_url(), dir_ + "/missing.pem")));
    FAIL() << "no error for a missing tls_ca_file";
  } catch (const config::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "auth.tls_ca_file (line 7): cannot read " + dir_ + "/missing.pem");
  }
}

TEST_F(HttpsJwks, Rfc8414DiscoveryAndJwksOverHttpsVerifyTokens) {
  std::string issuer = good_->base_url("127.0.0.1");
  EXPECT_EQ(refresh_error(issuer, ca_file_), "");
  auto auth = make(config(issuer, ca_file_));
  for (auto* key : {&rsa_, &es_, &ed_}) {
    auto r = run(*auth, bearer(key->mint(claims_for(issuer, "alice-" + key->kid()))));
    ASSERT_TRUE(r.outcome.ok) << r.outcome.reason;
    EXPECT_EQ(r.outcome.identity->subject, "alice-" + key->kid());
    EXPECT_EQ(r.outcome.identity->issuer, issuer);
  }
  EXPECT_GE(good_->hits("/.well-known/oauth-authorization-server"), 1);
  EXPECT_GE(good_->hits("/jwks"), 1);
}

TEST_F(HttpsJwks, OpenIdDiscoveryOverHttpsForAnIssuerWithAPath) {
  // RFC 8414 first (/.well-known/oauth-authorization-server/realms/test: 404 here), then
  // OpenID discovery (/realms/test/.well-known/openid-configuration).
  std::string issuer = good_->base_url("localhost") + "/realms/test";
  auto auth = make(config(issuer, ca_file_));
  auto r = run(*auth, bearer(es_.mint(claims_for(issuer, "bob"))));
  ASSERT_TRUE(r.outcome.ok) << r.outcome.reason;
  EXPECT_EQ(r.outcome.identity->subject, "bob");
  EXPECT_EQ(good_->hits("/.well-known/oauth-authorization-server/realms/test"), 1);
  EXPECT_EQ(good_->hits("/realms/test/.well-known/openid-configuration"), 1);
  EXPECT_EQ(good_->hits("/jwks"), 1);
}

TEST_F(HttpsJwks, AnUntrustedCertificateFailsClosedWithTheReasonLogged) {
  expect_fails_closed(good_->base_url("127.0.0.1"), other_ca_file_, rsa_,
                      "(unable to get local issuer certificate)");
  EXPECT_EQ(good_->hits("/jwks"), 0);
}

TEST_F(HttpsJwks, AWrongHostnameFailsClosedWithTheReasonLogged) {
  expect_fails_closed(misnamed_->base_url("localhost"), ca_file_, ed_, "(hostname mismatch)");
  EXPECT_EQ(misnamed_->hits("/jwks"), 0);
}

}  // namespace
}  // namespace mcpgw::auth::testing
