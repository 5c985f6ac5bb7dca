// x509 built-ins against certificates, requests and keys generated here with OpenSSL.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "builtin_test_util.h"
#include "policy/rego/builtins/codec.h"

namespace mcpgw::policy::rego::testing {
namespace {

using builtins::base64_encode;
using builtins::Base64Alphabet;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

struct Issued {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~Issued() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  std::string pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    return bio_text(bio);
  }
  std::string der() const {
    unsigned char* d = nullptr;
    int len = i2d_X509(cert, &d);
    std::string out(reinterpret_cast<char*>(d), static_cast<size_t>(len));
    OPENSSL_free(d);
    return out;
  }
  std::string key_pem(bool traditional_rsa) const {
    BIO* bio = BIO_new(BIO_s_mem());
    if (traditional_rsa) {
      PEM_write_bio_PrivateKey_traditional(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    } else {
      PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    }
    return bio_text(bio);
  }
};

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `cn`, signed by `issuer` (self-signed when null).
void issue(Issued& out, const char* cn, const Issued* issuer, const char* san, bool ca,
           long serial) {
  out.key = EVP_RSA_gen(2048);
  out.cert = X509_new();
  X509_set_version(out.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(out.cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(out.cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(out.cert), 3600L * 24 * 365);
  X509_set_pubkey(out.cert, out.key);
  X509_NAME* name = X509_get_subject_name(out.cert);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("SE"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("mcpgw"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(out.cert, issuer ? X509_get_subject_name(issuer->cert) : name);
  X509* signer_cert = issuer ? issuer->cert : out.cert;
  add_ext(out.cert, signer_cert, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  add_ext(out.cert, signer_cert, NID_key_usage,
          ca ? "critical,keyCertSign,cRLSign" : "digitalSignature,keyEncipherment");
  if (san) add_ext(out.cert, signer_cert, NID_subject_alt_name, san);
  X509_sign(out.cert, issuer ? issuer->key : out.key, EVP_sha256());
}

std::string b64(const std::string& s) {
  return base64_encode(s, Base64Alphabet::Standard, true);
}

TEST(X509Builtins, ParseCertificatesFromPemBase64AndDer) {
  Issued root, leaf;
  issue(root, "Test Root CA", nullptr, nullptr, true, 1);
  issue(leaf, "leaf.example", &root,
        "DNS:leaf.example,DNS:alt.example,URI:spiffe://example.com/opa,IP:10.0.0.1", false,
        12345678901234567);
  std::string chain = leaf.pem() + root.pem();
  for (const auto& input : {chain, b64(chain), b64(leaf.der() + root.der())}) {
    auto certs = ok("crypto.x509.parse_certificates", {Str(input)});
    ASSERT_EQ(certs.size(), 2u);
    const Value& c = certs.items()[0];
    EXPECT_EQ(c.find("Subject")->find("CommonName")->as_string(), "leaf.example");
    EXPECT_EQ(c.find("Subject")->find("Organization")->to_json(), R"(["mcpgw"])");
    EXPECT_EQ(c.find("Issuer")->find("CommonName")->as_string(), "Test Root CA");
    EXPECT_EQ(c.find("DNSNames")->to_json(), R"(["leaf.example","alt.example"])");
    EXPECT_EQ(c.find("URIStrings")->to_json(), R"(["spiffe://example.com/opa"])");
    EXPECT_EQ(c.find("IPAddresses")->to_json(), R"(["10.0.0.1"])");
    EXPECT_EQ(c.find("SerialNumber")->to_json(), "12345678901234567");
    EXPECT_EQ(c.find("Version")->to_json(), "3");
    EXPECT_EQ(c.find("IsCA")->to_json(), "false");
    EXPECT_EQ(c.find("KeyUsage")->to_json(),
              "5");  // digitalSignature | keyEncipherment in Go's bits
    EXPECT_EQ(c.find("Raw")->as_string(), b64(leaf.der()));
    const Value& r = certs.items()[1];
    EXPECT_TRUE(r.find("URIStrings")->is_null());
    EXPECT_EQ(r.find("IsCA")->to_json(), "true");
  }
  EXPECT_NE(err("crypto.x509.parse_certificates", {Str("foobar")}).message.find("illegal base64"),
            std::string::npos);
  EXPECT_NE(err("crypto.x509.parse_certificates", {Str(b64("badstring"))})
                .message.find("x509: malformed certificate"),
            std::string::npos);
}

TEST(X509Builtins, ParseAndVerifyChecksTheChain) {
  Issued root, inter, leaf, stranger;
  issue(root, "Root", nullptr, nullptr, true, 1);
  issue(inter, "Intermediate", &root, nullptr, true, 2);
  issue(leaf, "leaf.example", &inter, "DNS:leaf.example", false, 3);
  issue(stranger, "Other Root", nullptr, nullptr, true, 4);
  auto good =
      ok("crypto.x509.parse_and_verify_certificates", {Str(root.pem() + inter.pem() + leaf.pem())});
  EXPECT_EQ(good.items()[0].to_json(), "true");
  ASSERT_EQ(good.items()[1].size(), 3u);
  EXPECT_EQ(good.items()[1].items()[0].find("Subject")->find("CommonName")->as_string(),
            "leaf.example");
  EXPECT_EQ(good.items()[1].items()[2].find("Subject")->find("CommonName")->as_string(), "Root");
  auto bad = ok("crypto.x509.parse_and_verify_certificates",
                {Str(stranger.pem() + inter.pem() + leaf.pem())});
  EXPECT_EQ(bad.to_json(), "[false,[]]");
  EXPECT_EQ(okj("crypto.x509.parse_and_verify_certificates", {Str("garbage")}), "[false,[]]");
}

TEST(X509Builtins, CertificateRequest) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  X509_REQ* req = X509_REQ_new();
  X509_REQ_set_pubkey(req, key);
  X509_NAME* name = X509_REQ_get_subject_name(req);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("example.com"), -1, -1, 0);
  STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
  sk_X509_EXTENSION_push(
      exts, X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, "DNS:example.com"));
  X509_REQ_add_extensions(req, exts);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  X509_REQ_sign(req, key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(bio, req);
  std::string pem = bio_text(bio);
  X509_REQ_free(req);
  EVP_PKEY_free(key);
  for (const auto& input : {pem, b64(pem)}) {
    auto csr = ok("crypto.x509.parse_certificate_request", {Str(input)});
    EXPECT_EQ(csr.find("Subject")->find("CommonName")->as_string(), "example.com");
    EXPECT_EQ(csr.find("DNSNames")->to_json(), R"(["example.com"])");
  }
  EXPECT_NE(err("crypto.x509.parse_certificate_request", {Str(b64("badstring"))})
                .message.find("asn1: structure error"),
            std::string::npos);
  EXPECT_NE(
      err("crypto.x509.parse_certificate_request", {Str("foobar")}).message.find("illegal base64"),
      std::string::npos);
}

TEST(X509Builtins, KeysAndKeyPairs) {
  Issued cert;
  issue(cert, "kp.example", nullptr, nullptr, false, 9);
  auto pair = ok("crypto.x509.parse_keypair", {Str(cert.pem()), Str(cert.key_pem(false))});
  EXPECT_EQ(pair.find("Certificate")->items()[0].as_string(), b64(cert.der()));
  EXPECT_EQ(pair.find("PrivateKey")->find("kty")->as_string(), "RSA");
  auto b64pair =
      ok("crypto.x509.parse_keypair", {Str(b64(cert.pem())), Str(b64(cert.key_pem(true)))});
  EXPECT_EQ(b64pair.find("Certificate")->items()[0].as_string(), b64(cert.der()));
  Issued other;
  issue(other, "other", nullptr, nullptr, false, 10);
  EXPECT_NE(err("crypto.x509.parse_keypair", {Str(cert.pem()), Str(other.key_pem(false))})
                .message.find("does not match"),
            std::string::npos);

  auto jwk = ok("crypto.x509.parse_rsa_private_key", {Str(cert.key_pem(true))});
  for (const char* field : {"kty", "n", "e", "d", "p", "q", "dp", "dq", "qi"})
    EXPECT_TRUE(jwk.find(field)) << field;
  EXPECT_EQ(jwk.find("e")->as_string(), "AQAB");
  // The JWK signs tokens that the certificate verifies.
  auto token = ok("io.jwt.encode_sign", {J(R"({"alg":"RS256"})"), J(R"({"a":1})"), jwk});
  EXPECT_EQ(okj("io.jwt.verify_rs256", {token, Str(cert.pem())}), "true");
  EXPECT_NE(
      err("crypto.x509.parse_rsa_private_key", {Str("invalid")}).message.find("illegal base64"),
      std::string::npos);

  EXPECT_EQ(
      ok("crypto.parse_private_keys", {Str(cert.key_pem(true) + other.key_pem(false))}).size(), 2u);
  EXPECT_EQ(okj("crypto.parse_private_keys", {Str("nope")}), "[]");
  EXPECT_EQ(okj("crypto.parse_private_keys", {Str("")}), "null");
}

}  // namespace
}  // namespace mcpgw::policy::rego::testing
