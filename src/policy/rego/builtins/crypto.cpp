// Hashes and HMACs through OpenSSL 3 EVP: crypto.md5/sha1/sha256, crypto.hmac.md5/sha1/
// sha256/sha512, crypto.hmac.equal (constant time). Results are lowercase hex.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"
#include "policy/rego/builtins/codec.h"
#include "policy/rego/builtins/jose.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
    fail("crypto", "digest failed");
  return hex_encode(std::string_view(reinterpret_cast<char*>(out), len));
}

std::string hmac(const char* digest, std::string_view data, std::string_view key) {
  std::string mac = hmac_bytes(digest, key, data);
  if (mac.empty()) fail("crypto.hmac", "hmac failed");
  return hex_encode(mac);
}

void def_digest(Registry& r, const char* name, const EVP_MD* (*md)()) {
  def(r, name, {kString},
      [name, md](Args a, BuiltinContext&) { return str(digest(md(), str_arg(name, a, 1))); },
      {kString});
}

void def_hmac(Registry& r, const char* name, const char* digest) {
  def(r, name, {kString, kString},
      [name, digest](Args a, BuiltinContext&) {
        return str(hmac(digest, str_arg(name, a, 1), str_arg(name, a, 2)));
      },
      {kString});
}

}  // namespace

void register_crypto_builtins(Registry& r) {
  def_digest(r, "crypto.md5", EVP_md5);
  def_digest(r, "crypto.sha1", EVP_sha1);
  def_digest(r, "crypto.sha256", EVP_sha256);
  def_hmac(r, "crypto.hmac.md5", "MD5");
  def_hmac(r, "crypto.hmac.sha1", "SHA1");
  def_hmac(r, "crypto.hmac.sha256", "SHA256");
  def_hmac(r, "crypto.hmac.sha512", "SHA512");
  def(r, "crypto.hmac.equal", {kString, kString},
      [](Args a, BuiltinContext&) {
        const std::string& x = str_arg("crypto.hmac.equal", a, 1);
        const std::string& y = str_arg("crypto.hmac.equal", a, 2);
        return Value::boolean(x.size() == y.size() &&
                              CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0);
      },
      {kBoolean});
}

}  // namespace mcpgw::policy::rego
