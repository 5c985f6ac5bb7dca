// hash: a message digest of a text (its UTF-8 bytes) through OpenSSL's EVP interface.
#include <openssl/evp.h>

#include <memory>

#include "arguments.h"
#include "base64.h"
#include "tools.h"

namespace mcpgw::sample {
namespace {

std::string to_hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 15];
  }
  return hex;
}

ToolOutput run(const json& arguments) {
  reject_unknown_arguments(arguments, {"text", "algorithm", "encoding"});
  std::string text = required_string(arguments, "text");
  std::string algorithm = optional_string(arguments, "algorithm").value_or("sha256");
  std::string encoding = optional_string(arguments, "encoding").value_or("hex");
  require_one_of("algorithm", algorithm, {"sha256", "sha512", "sha1", "md5"});
  require_one_of("encoding", encoding, {"hex", "base64"});

  const char* openssl_name = algorithm == "sha256"   ? "SHA2-256"
                             : algorithm == "sha512" ? "SHA2-512"
                             : algorithm == "sha1"   ? "SHA1"
                                                     : "MD5";
  std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md(EVP_MD_fetch(nullptr, openssl_name, nullptr),
                                                     EVP_MD_free);
  if (!md) throw ToolError("the OpenSSL provider does not offer " + algorithm);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, md.get(), nullptr) != 1) {
    throw ToolError("OpenSSL failed to compute the " + algorithm + " digest");
  }
  std::string value =
      encoding == "hex"
          ? to_hex(digest, size)
          : base64_encode(std::string_view(reinterpret_cast<const char*>(digest), size));
  return {value, {{"algorithm", algorithm}, {"encoding", encoding}, {"digest", value}}};
}

}  // namespace

Tool make_hash_tool() {
  return Tool{
      .name = "hash",
      .title = "Hash a text",
      .description =
          "Message digest (sha256, sha512, sha1 or md5) of the UTF-8 bytes of a text, "
          "in hex or base64. sha1 and md5 are for checksums, not for security.",
      .input_schema = {{"type", "object"},
                       {"properties",
                        {{"text", {{"type", "string"}, {"description", "The text to hash"}}},
                         {"algorithm",
                          {{"type", "string"},
                           {"enum", {"sha256", "sha512", "sha1", "md5"}},
                           {"default", "sha256"}}},
                         {"encoding",
                          {{"type", "string"}, {"enum", {"hex", "base64"}}, {"default", "hex"}}}}},
                       {"required", {"text"}},
                       {"additionalProperties", false}},
      .output_schema = {{"type", "object"},
                        {"properties",
                         {{"algorithm", {{"type", "string"}}},
                          {"encoding", {{"type", "string"}}},
                          {"digest", {{"type", "string"}}}}},
                        {"required", {"algorithm", "encoding", "digest"}}},
      .run = run,
  };
}

}  // namespace mcpgw::sample
