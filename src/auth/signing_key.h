// A private key that mints JWTs: the development token command, tests and the benchmark use it.
// The gateway itself never signs client tokens.
#pragma once
#include <memory>
#include <string>

#include <openssl/types.h>
#include <nlohmann/json.hpp>

namespace mcpgw::auth {

class SigningKey {
 public:
  // A fresh key for `alg`: RS256/RS384/RS512/PS256 (RSA 2048), ES256 (P-256), ES384 (P-384),
  // EdDSA (Ed25519).
  static SigningKey generate(const std::string& alg);
  // Reads a PEM private key; alg defaults from the key type (RSA: RS256, P-256: ES256,
  // P-384: ES384, Ed25519: EdDSA). Throws std::runtime_error naming the file.
  static SigningKey load_pem_file(const std::string& path, std::string alg = "");

  const std::string& alg() const { return alg_; }
  const std::string& kid() const { return kid_; }
  void set_kid(std::string kid) { kid_ = std::move(kid); }
  EVP_PKEY* pkey() const { return pkey_.get(); }

  // The public half as a JWK with kid (RFC 7638 thumbprint unless set), alg and use.
  nlohmann::json public_jwk() const;
  std::string private_pem() const;
  // header {alg, typ: at+jwt, kid} + payload, signed.
  std::string mint(const nlohmann::json& payload, const nlohmann::json& extra_header = {}) const;

 private:
  SigningKey(std::shared_ptr<EVP_PKEY> pkey, std::string alg);
  std::shared_ptr<EVP_PKEY> pkey_;
  std::string alg_, kid_;
};

}  // namespace mcpgw::auth
