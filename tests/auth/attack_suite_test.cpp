// The attack suite: each case asserts the exact status, WWW-Authenticate header and reason (the
// text the audit record carries), against a real JWKS served over loopback HTTP.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "auth/base64url.h"
#include "auth_fixture.h"

namespace mcpgw::auth::testing {
namespace {

class AttackSuite : public AuthFixture {
 protected:
  void SetUp() override { auth_ = make(yaml()); }

  void expect_rejected(const std::string& header, const std::string& reason) {
    auto r = run(*auth_, header);
    ASSERT_EQ(r.calls, 1);
    EXPECT_TRUE(r.on_io_thread);
    EXPECT_FALSE(r.outcome.ok);
    EXPECT_FALSE(r.outcome.identity);
    EXPECT_EQ(r.outcome.http_status, 401);
    EXPECT_EQ(r.outcome.error, "invalid_token");
    EXPECT_EQ(r.outcome.reason, reason);
    EXPECT_EQ(r.outcome.www_authenticate, challenge(reason));
  }

  // header.payload with a chosen header, no signature yet.
  static std::string unsigned_part(const nlohmann::json& header, const nlohmann::json& payload) {
    return base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
  }

  std::unique_ptr<Authenticator> auth_;
};

TEST_F(AttackSuite, ValidTokenIsAcceptedAsBaseline) {
  auto r = run(*auth_, bearer(rsa_.mint(claims())));
  ASSERT_TRUE(r.outcome.ok) << r.outcome.reason;
  EXPECT_EQ(r.outcome.identity->subject, "alice");
}

TEST_F(AttackSuite, NoToken) {
  auto r = run(*auth_, "");
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.outcome.http_status, 401);
  EXPECT_EQ(r.outcome.error, "");  // RFC 6750 §3.1: no error code without credentials
  EXPECT_EQ(r.outcome.reason, "no access token");
  EXPECT_EQ(r.outcome.www_authenticate,
            "Bearer resource_metadata=\"" + kMetadataUrl + "\", scope=\"tools:read\"");
}

TEST_F(AttackSuite, OtherSchemeIsTreatedAsNoBearerToken) {
  auto r = run(*auth_, "Basic YWxpY2U6cGFzcw==");
  EXPECT_EQ(r.outcome.http_status, 401);
  EXPECT_EQ(r.outcome.error, "");
  EXPECT_EQ(r.outcome.www_authenticate,
            "Bearer resource_metadata=\"" + kMetadataUrl + "\", scope=\"tools:read\"");
}

TEST_F(AttackSuite, AlgNone) {
  expect_rejected(bearer(unsigned_part({{"alg", "none"}, {"typ", "JWT"}}, claims()) + "."),
                  "unsigned token (alg none) rejected");
  expect_rejected(bearer(unsigned_part({{"alg", "NoNe"}}, claims()) + "."),
                  "unsigned token (alg none) rejected");
}

TEST_F(AttackSuite, Hs256SignedWithTheRsaPublicKey) {
  // The classic confusion attack: HMAC keyed with the server's public key PEM.
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, rsa_.pkey());
  char* pem = nullptr;
  long pem_len = BIO_get_mem_data(bio, &pem);
  std::string input = unsigned_part({{"alg", "HS256"}, {"kid", "rsa-1"}}, claims());
  unsigned char mac[32];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), pem, static_cast<int>(pem_len),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len);
  BIO_free(bio);
  std::string token =
      input + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), mac_len));
  expect_rejected(bearer(token), "symmetric algorithm HS256 rejected");
}

TEST_F(AttackSuite, AlgorithmOutsideTheAllowList) {
  expect_rejected(bearer(unsigned_part({{"alg", "ES512"}, {"kid", "es-1"}}, claims()) + ".AAAA"),
                  "algorithm ES512 not allowed");
}

TEST_F(AttackSuite, ValidSignatureByAnUnknownKeyClaimingAKnownKid) {
  auto attacker = SigningKey::generate("RS256");
  attacker.set_kid("rsa-1");
  expect_rejected(bearer(attacker.mint(claims())), "signature verification failed");
}

TEST_F(AttackSuite, UnknownKidTriggersOneRefreshThenFails) {
  auto attacker = SigningKey::generate("RS256");
  attacker.set_kid("evil");
  int before = server_.hits("/jwks");
  expect_rejected(bearer(attacker.mint(claims())), "unknown key id evil");
  EXPECT_EQ(server_.hits("/jwks"), before + 1);
}

TEST_F(AttackSuite, KeyOfTheWrongTypeForTheAlgorithm) {
  // ES256 header pointing at the RSA key (whose JWK says alg RS256).
  auto attacker = SigningKey::generate("ES256");
  attacker.set_kid("rsa-1");
  expect_rejected(bearer(attacker.mint(claims())), "key rsa-1 is for RS256, token says ES256");
}

TEST_F(AttackSuite, TamperedPayload) {
  std::string token = rsa_.mint(claims("alice"));
  auto dot1 = token.find('.'), dot2 = token.rfind('.');
  std::string forged =
      token.substr(0, dot1 + 1) + base64url_encode(claims("admin-bob").dump()) + token.substr(dot2);
  expect_rejected(bearer(forged), "signature verification failed");
}

TEST_F(AttackSuite, TamperedSignature) {
  std::string token = es_.mint(claims());
  auto sig = *base64url_decode(token.substr(token.rfind('.') + 1));
  sig[5] ^= 0x01;
  std::string forged = token.substr(0, token.rfind('.') + 1) + base64url_encode(sig);
  expect_rejected(bearer(forged), "signature verification failed");
}

TEST_F(AttackSuite, Expired) {
  auto c = claims();
  c["exp"] = unix_now() - 3600;
  expect_rejected(bearer(rsa_.mint(c)), "token expired");
}

TEST_F(AttackSuite, ExpiredWithinLeewayIsAccepted) {
  auto c = claims();
  c["exp"] = unix_now() - 10;  // leeway is 60 s
  EXPECT_TRUE(run(*auth_, bearer(rsa_.mint(c))).outcome.ok);
}

TEST_F(AttackSuite, NotYetValid) {
  auto c = claims();
  c["nbf"] = unix_now() + 3600;
  expect_rejected(bearer(rsa_.mint(c)), "token not yet valid (nbf)");
}

TEST_F(AttackSuite, NoExpiry) {
  auto c = claims();
  c.erase("exp");
  expect_rejected(bearer(rsa_.mint(c)), "token has no expiry (exp)");
}

TEST_F(AttackSuite, WrongIssuer) {
  auto c = claims();
  c["iss"] = "https://evil.example";
  expect_rejected(bearer(rsa_.mint(c)), "untrusted issuer https://evil.example");
}

TEST_F(AttackSuite, WrongAudience) {
  auto c = claims();
  c["aud"] = "http://other.example/mcp";
  expect_rejected(bearer(rsa_.mint(c)),
                  "audience http://other.example/mcp is not this resource (" + kResource + ")");
  c["aud"] = {"a", "b"};
  expect_rejected(bearer(rsa_.mint(c)), "audience a,b is not this resource (" + kResource + ")");
  c.erase("aud");
  expect_rejected(bearer(rsa_.mint(c)), "audience (none) is not this resource (" + kResource + ")");
}

TEST_F(AttackSuite, AudienceArrayContainingTheResourceIsAccepted) {
  auto c = claims();
  c["aud"] = {"other", kResource};
  EXPECT_TRUE(run(*auth_, bearer(rsa_.mint(c))).outcome.ok);
}

TEST_F(AttackSuite, MissingScopeGets403NamingTheScopes) {
  auto c = claims();
  c["scope"] = "tools:read";
  auto r = run(*auth_, bearer(rsa_.mint(c)));
  ASSERT_TRUE(r.outcome.ok);
  EXPECT_TRUE(auth_->check_scopes(*r.outcome.identity, "tools/list", "").ok);
  auto denied = auth_->check_scopes(*r.outcome.identity, "tools/call", "echo");
  EXPECT_FALSE(denied.ok);
  EXPECT_EQ(denied.http_status, 403);
  EXPECT_EQ(denied.error, "insufficient_scope");
  EXPECT_EQ(denied.reason, "missing scope tools:call for tools/call echo");
  EXPECT_EQ(denied.www_authenticate,
            "Bearer resource_metadata=\"" + kMetadataUrl +
                "\", scope=\"tools:read tools:call\", error=\"insufficient_scope\", "
                "error_description=\"missing scope tools:call for tools/call echo\"");
}

TEST_F(AttackSuite, MalformedBase64) {
  std::string token = rsa_.mint(claims());
  token.insert(token.find('.') + 3, "*");
  expect_rejected(bearer(token), "malformed token: payload is not valid base64url");
}

TEST_F(AttackSuite, HundredKilobyteToken) {
  std::string huge = rsa_.mint(claims());
  huge += std::string(100 * 1024 - huge.size(), 'A');
  expect_rejected(bearer(huge), "token too large (102400 bytes, limit 8192)");
}

TEST_F(AttackSuite, TokenTextInTheReasonIsMadePrintableAndCut) {
  // The reason goes to the log, the audit record and the challenge: a CR/LF in a kid must not
  // start a new log line, and an 8 KB issuer must not come back whole.
  auto attacker = SigningKey::generate("ES256");
  attacker.set_kid("k\r\nFORGED: admin logged in");
  expect_rejected(bearer(attacker.mint(claims())), "unknown key id k  FORGED: admin logged in");
  auto c = claims();
  c["iss"] = "https://evil.example/" + std::string(5000, 'x');
  std::string reason = "untrusted issuer " + c["iss"].get<std::string>();
  expect_rejected(bearer(rsa_.mint(c)), reason.substr(0, 256) + "...");
}

TEST_F(AttackSuite, JwksDownCachedKeysStillWork) {
  ASSERT_TRUE(run(*auth_, bearer(rsa_.mint(claims("first")))).outcome.ok);
  server_.stop();
  // A token never seen before (not in the token cache), signed by a known key.
  auto r = run(*auth_, bearer(es_.mint(claims("second"))));
  ASSERT_TRUE(r.outcome.ok) << r.outcome.reason;
  EXPECT_EQ(r.outcome.identity->subject, "second");
  // An unknown kid while the JWKS is down: the refresh fails, the old keys stay.
  auto stranger = SigningKey::generate("RS256");
  stranger.set_kid("new-kid");
  expect_rejected(bearer(stranger.mint(claims())), "unknown key id new-kid");
  EXPECT_TRUE(run(*auth_, bearer(ed_.mint(claims("third")))).outcome.ok);
}

TEST_F(AttackSuite, JwksDownWithNoKeysFailsClosed) {
  server_.stop();
  auto fresh = make(yaml());
  auto r = run(*fresh, bearer(rsa_.mint(claims())));
  EXPECT_EQ(r.calls, 1);
  EXPECT_TRUE(r.on_io_thread);
  EXPECT_FALSE(r.outcome.ok);
  EXPECT_EQ(r.outcome.http_status, 401);
  std::string reason = "no signing keys available for issuer " + issuer() + " (JWKS unreachable)";
  EXPECT_EQ(r.outcome.reason, reason);
  EXPECT_EQ(r.outcome.www_authenticate, challenge(reason));
}

}  // namespace
}  // namespace mcpgw::auth::testing
