// A certificate authority made at test time (OpenSSL, EC P-256): its certificate, and server
// certificates it signs for chosen subjectAltNames. For HTTPS tests against a private CA.
#pragma once
#include <memory>
#include <string>

#include "loopback_http_server.h"

namespace mcpgw::auth::testing {

class TestCa {
 public:
  explicit TestCa(const std::string& common_name);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const std::string& cert_pem() const { return cert_pem_; }
  // A server certificate and key for `subject_alt_names` in OpenSSL's syntax, e.g.
  // "DNS:localhost,IP:127.0.0.1". The chain is the leaf alone, as servers send it (the root
  // is what the client must already trust).
  TlsIdentity issue(const std::string& common_name, const std::string& subject_alt_names) const;
  // Writes the CA certificate (PEM) to `path`; returns `path`.
  std::string write_cert(const std::string& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string cert_pem_;
};

}  // namespace mcpgw::auth::testing
