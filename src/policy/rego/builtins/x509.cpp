// x509 built-ins on OpenSSL: crypto.x509.parse_certificates, parse_and_verify_certificates,
// parse_certificate_request, parse_keypair, parse_rsa_private_key, crypto.parse_private_keys.
// Certificates come out with the field names of Go's x509.Certificate (Subject.CommonName,
// DNSNames, URIStrings, ...) because policies written for OPA read those names.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"
#include "policy/rego/builtins/codec.h"
#include "policy/rego/builtins/jose.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::string b64(std::string_view bytes) {
  return base64_encode(bytes, Base64Alphabet::Standard, true);
}
std::string b64url(std::string_view bytes) {
  return base64_encode(bytes, Base64Alphabet::Url, false);
}

bool starts_with_pem(std::string_view s) {
  return s.rfind("-----BEGIN", 0) == 0;
}

// OPA's input convention: PEM text, or base64 of PEM, or base64 of DER.
struct Material {
  bool pem = false;
  std::string bytes;
};

Material material(const char* fn, const std::string& input) {
  if (starts_with_pem(input)) return {true, input};
  std::string error;
  auto decoded = base64_decode(input, Base64Alphabet::Standard, true, error);
  if (!decoded) fail(fn, error);
  if (starts_with_pem(*decoded)) return {true, *decoded};
  return {false, *decoded};
}

// PEM blocks (type and DER) in order.
std::vector<PemBlock> pem_blocks(std::string_view text) {
  std::vector<PemBlock> out;
  std::string rest(text);
  while (auto block = pem_decode(rest)) {
    rest = block->rest;
    out.push_back(std::move(*block));
  }
  return out;
}

Value string_list(const std::vector<std::string>& items) {
  if (items.empty()) return Value::null();  // Go writes a nil slice as null
  std::vector<Value> out;
  for (const auto& s : items) out.push_back(str(s));
  return Value::array(std::move(out));
}

std::string asn1_text(const ASN1_STRING* s) {
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

Value oid_array(const ASN1_OBJECT* obj) {
  char buf[128];
  OBJ_obj2txt(buf, sizeof buf, obj, 1);
  std::vector<Value> parts;
  std::string cur;
  for (const char* p = buf;; ++p) {
    if (*p == '.' || *p == '\0') {
      if (!cur.empty()) parts.push_back(Value::integer(std::stoll(cur)));
      cur.clear();
      if (*p == '\0') break;
    } else {
      cur += *p;
    }
  }
  return Value::array(std::move(parts));
}

// Go's pkix.Name as JSON.
Value name_value(const X509_NAME* name) {
  std::vector<std::string> country, org, unit, locality, province, street, postal;
  std::string cn, serial;
  std::vector<Value> names;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
    std::string text = asn1_text(X509_NAME_ENTRY_get_data(e));
    names.push_back(Value::object({{str("Type"), oid_array(obj)}, {str("Value"), str(text)}}));
    switch (OBJ_obj2nid(obj)) {
      case NID_countryName:
        country.push_back(text);
        break;
      case NID_organizationName:
        org.push_back(text);
        break;
      case NID_organizationalUnitName:
        unit.push_back(text);
        break;
      case NID_localityName:
        locality.push_back(text);
        break;
      case NID_stateOrProvinceName:
        province.push_back(text);
        break;
      case NID_streetAddress:
        street.push_back(text);
        break;
      case NID_postalCode:
        postal.push_back(text);
        break;
      case NID_commonName:
        cn = text;
        break;
      case NID_serialNumber:
        serial = text;
        break;
      default:
        break;
    }
  }
  return Value::object(
      {{str("Country"), string_list(country)},
       {str("Organization"), string_list(org)},
       {str("OrganizationalUnit"), string_list(unit)},
       {str("Locality"), string_list(locality)},
       {str("Province"), string_list(province)},
       {str("StreetAddress"), string_list(street)},
       {str("PostalCode"), string_list(postal)},
       {str("SerialNumber"), str(serial)},
       {str("CommonName"), str(cn)},
       {str("Names"), names.empty() ? Value::null() : Value::array(std::move(names))},
       {str("ExtraNames"), Value::null()}});
}

std::string time_text(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

struct SubjectAltNames {
  std::vector<std::string> dns, email, ip, uri;
};

SubjectAltNames alt_names(const GENERAL_NAMES* gens) {
  SubjectAltNames out;
  for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(gens, i);
    switch (g->type) {
      case GEN_DNS:
        out.dns.push_back(asn1_text(g->d.dNSName));
        break;
      case GEN_EMAIL:
        out.email.push_back(asn1_text(g->d.rfc822Name));
        break;
      case GEN_URI:
        out.uri.push_back(asn1_text(g->d.uniformResourceIdentifier));
        break;
      case GEN_IPADD: {
        const ASN1_OCTET_STRING* o = g->d.iPAddress;
        char buf[64] = {0};
        if (o->length == 4) {
          std::snprintf(buf, sizeof buf, "%d.%d.%d.%d", o->data[0], o->data[1], o->data[2],
                        o->data[3]);
        } else if (o->length == 16) {
          std::string s;
          for (int k = 0; k < 16; k += 2) {
            char part[8];
            std::snprintf(part, sizeof part, "%x", (o->data[k] << 8) | o->data[k + 1]);
            if (k) s += ':';
            s += part;
          }
          std::snprintf(buf, sizeof buf, "%s", s.c_str());
        }
        out.ip.push_back(buf);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

// Go's x509.PublicKeyAlgorithm numbering.
int64_t public_key_algorithm(EVP_PKEY* k) {
  if (!k) return 0;
  switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
      return 1;
    case EVP_PKEY_DSA:
      return 2;
    case EVP_PKEY_EC:
      return 3;
    case EVP_PKEY_ED25519:
      return 4;
    default:
      return 0;
  }
}

// Go's x509.KeyUsage bits from OpenSSL's.
int64_t go_key_usage(uint32_t ku) {
  static const std::pair<uint32_t, int64_t> map[] = {
      {KU_DIGITAL_SIGNATURE, 1 << 0}, {KU_NON_REPUDIATION, 1 << 1}, {KU_KEY_ENCIPHERMENT, 1 << 2},
      {KU_DATA_ENCIPHERMENT, 1 << 3}, {KU_KEY_AGREEMENT, 1 << 4},   {KU_KEY_CERT_SIGN, 1 << 5},
      {KU_CRL_SIGN, 1 << 6},          {KU_ENCIPHER_ONLY, 1 << 7},   {KU_DECIPHER_ONLY, 1 << 8}};
  int64_t out = 0;
  for (auto [from, to] : map)
    if (ku & from) out |= to;
  return out;
}

std::string der_of(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

Value certificate_value(X509* cert) {
  std::vector<ObjectEntry> f;
  std::string der = der_of(cert);
  f.emplace_back(str("Raw"), str(b64(der)));
  f.emplace_back(str("Version"), Value::integer(X509_get_version(cert) + 1));
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* dec = BN_bn2dec(serial);
  f.emplace_back(str("SerialNumber"), Value::big_integer(dec));
  OPENSSL_free(dec);
  BN_free(serial);
  f.emplace_back(str("Issuer"), name_value(X509_get_issuer_name(cert)));
  f.emplace_back(str("Subject"), name_value(X509_get_subject_name(cert)));
  f.emplace_back(str("NotBefore"), str(time_text(X509_get0_notBefore(cert))));
  f.emplace_back(str("NotAfter"), str(time_text(X509_get0_notAfter(cert))));
  uint32_t flags = X509_get_extension_flags(cert);
  f.emplace_back(
      str("KeyUsage"),
      Value::integer((flags & EXFLAG_KUSAGE) ? go_key_usage(X509_get_key_usage(cert)) : 0));
  f.emplace_back(str("BasicConstraintsValid"), Value::boolean((flags & EXFLAG_BCONS) != 0));
  f.emplace_back(str("IsCA"), Value::boolean((flags & EXFLAG_CA) != 0));
  long pathlen = X509_get_pathlen(cert);
  f.emplace_back(str("MaxPathLen"), Value::integer(pathlen >= 0 ? pathlen : -1));
  EVP_PKEY* pub = X509_get0_pubkey(cert);
  f.emplace_back(str("PublicKeyAlgorithm"), Value::integer(public_key_algorithm(pub)));
  auto* gens =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  SubjectAltNames san = alt_names(gens);
  GENERAL_NAMES_free(gens);
  f.emplace_back(str("DNSNames"), string_list(san.dns));
  f.emplace_back(str("EmailAddresses"), string_list(san.email));
  f.emplace_back(str("IPAddresses"), string_list(san.ip));
  f.emplace_back(str("URIStrings"), string_list(san.uri));
  std::vector<Value> exts;
  for (int i = 0; i < X509_get_ext_count(cert); ++i) {
    X509_EXTENSION* ext = X509_get_ext(cert, i);
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
    exts.push_back(Value::object(
        {{str("Id"), oid_array(X509_EXTENSION_get_object(ext))},
         {str("Critical"), Value::boolean(X509_EXTENSION_get_critical(ext) != 0)},
         {str("Value"),
          str(b64(std::string_view(reinterpret_cast<const char*>(data->data), data->length)))}}));
  }
  f.emplace_back(str("Extensions"), exts.empty() ? Value::null() : Value::array(std::move(exts)));
  return Value::object(std::move(f));
}

std::vector<X509Ptr> parse_certs(const char* fn, const std::string& input) {
  Material m = material(fn, input);
  std::vector<X509Ptr> certs;
  std::vector<std::string> ders;
  if (m.pem) {
    for (auto& b : pem_blocks(m.bytes))
      if (b.type == "CERTIFICATE") ders.push_back(std::move(b.der));
  } else {
    ders.push_back(m.bytes);  // possibly several DER certificates back to back
  }
  for (const auto& der : ders) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    const unsigned char* end = p + der.size();
    while (p < end) {
      X509* c = d2i_X509(nullptr, &p, static_cast<long>(end - p));
      if (!c) fail(fn, "x509: malformed certificate");
      certs.emplace_back(c);
    }
  }
  return certs;
}

Value parse_certificates(Args a, BuiltinContext&) {
  const char* fn = "crypto.x509.parse_certificates";
  auto certs = parse_certs(fn, str_arg(fn, a, 1));
  std::vector<Value> out;
  for (auto& c : certs) out.push_back(certificate_value(c.get()));
  return Value::array(std::move(out));
}

// As OPA: the first certificate is the trusted root, the last the leaf, the others
// intermediates. The result lists the verified chain from the leaf up to the root.
Value parse_and_verify(Args a, BuiltinContext&) {
  const char* fn = "crypto.x509.parse_and_verify_certificates";
  const Value invalid = Value::array({Value::boolean(false), Value::array({})});
  std::vector<X509Ptr> certs;
  try {
    certs = parse_certs(fn, str_arg(fn, a, 1));
  } catch (const Failure&) {
    return invalid;
  }
  if (certs.size() < 2) return invalid;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, certs.front().get());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (size_t i = 1; i + 1 < certs.size(); ++i) sk_X509_push(untrusted, certs[i].get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  bool ok = X509_STORE_CTX_init(ctx, store, certs.back().get(), untrusted) == 1 &&
            X509_verify_cert(ctx) == 1;
  std::vector<Value> out;
  if (ok) {
    STACK_OF(X509)* chain = X509_STORE_CTX_get1_chain(ctx);
    for (int i = 0; i < sk_X509_num(chain); ++i)
      out.push_back(certificate_value(sk_X509_value(chain, i)));
    sk_X509_pop_free(chain, X509_free);
  }
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  if (!ok) return invalid;
  return Value::array({Value::boolean(true), Value::array(std::move(out))});
}

Value parse_certificate_request(Args a, BuiltinContext&) {
  const char* fn = "crypto.x509.parse_certificate_request";
  Material m = material(fn, str_arg(fn, a, 1));
  std::string der = m.bytes;
  if (m.pem) {
    der.clear();
    for (auto& b : pem_blocks(m.bytes))
      if (b.type == "CERTIFICATE REQUEST" || b.type == "NEW CERTIFICATE REQUEST") {
        der = b.der;
        break;
      }
    if (der.empty()) fail(fn, "invalid PEM-encoded certificate signing request");
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509_REQ* req = d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size()));
  if (!req) fail(fn, "asn1: structure error: malformed certificate request");
  std::vector<ObjectEntry> f;
  f.emplace_back(str("Raw"), str(b64(der)));
  f.emplace_back(str("Version"), Value::integer(X509_REQ_get_version(req)));
  f.emplace_back(str("Subject"), name_value(X509_REQ_get_subject_name(req)));
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req);
  f.emplace_back(str("PublicKeyAlgorithm"), Value::integer(public_key_algorithm(pub)));
  SubjectAltNames san;
  if (STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req)) {
    int idx = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1);
    if (idx >= 0) {
      auto* gens = static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts, idx)));
      san = alt_names(gens);
      GENERAL_NAMES_free(gens);
    }
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  f.emplace_back(str("DNSNames"), string_list(san.dns));
  f.emplace_back(str("EmailAddresses"), string_list(san.email));
  f.emplace_back(str("IPAddresses"), string_list(san.ip));
  f.emplace_back(str("URIs"), string_list(san.uri));
  X509_REQ_free(req);
  return Value::object(std::move(f));
}

std::string bn_param(EVP_PKEY* k, const char* name) {
  BIGNUM* b = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &b) != 1) return {};
  std::string out(static_cast<size_t>(BN_num_bytes(b)), '\0');
  BN_bn2bin(b, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(b);
  return b64url(out);
}

// A private key as a JWK object.
std::optional<Value> private_jwk(EVP_PKEY* k) {
  int id = EVP_PKEY_get_base_id(k);
  if (id == EVP_PKEY_RSA) {
    return Value::object({{str("kty"), str("RSA")},
                          {str("n"), str(bn_param(k, OSSL_PKEY_PARAM_RSA_N))},
                          {str("e"), str(bn_param(k, OSSL_PKEY_PARAM_RSA_E))},
                          {str("d"), str(bn_param(k, OSSL_PKEY_PARAM_RSA_D))},
                          {str("p"), str(bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR1))},
                          {str("q"), str(bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR2))},
                          {str("dp"), str(bn_param(k, OSSL_PKEY_PARAM_RSA_EXPONENT1))},
                          {str("dq"), str(bn_param(k, OSSL_PKEY_PARAM_RSA_EXPONENT2))},
                          {str("qi"), str(bn_param(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1))}});
  }
  if (id == EVP_PKEY_EC) {
    char group[64] = {0};
    size_t len = 0;
    EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len);
    std::string g = group;
    std::string crv = g == "prime256v1"  ? "P-256"
                      : g == "secp384r1" ? "P-384"
                      : g == "secp521r1" ? "P-521"
                                         : g;
    return Value::object({{str("kty"), str("EC")},
                          {str("crv"), str(crv)},
                          {str("x"), str(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X))},
                          {str("y"), str(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y))},
                          {str("d"), str(bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY))}});
  }
  if (id == EVP_PKEY_ED25519) {
    std::string priv(32, '\0'), pub(32, '\0');
    size_t n = 32;
    EVP_PKEY_get_raw_private_key(k, reinterpret_cast<unsigned char*>(priv.data()), &n);
    n = 32;
    EVP_PKEY_get_raw_public_key(k, reinterpret_cast<unsigned char*>(pub.data()), &n);
    return Value::object({{str("kty"), str("OKP")},
                          {str("crv"), str("Ed25519")},
                          {str("x"), str(b64url(pub))},
                          {str("d"), str(b64url(priv))}});
  }
  return std::nullopt;
}

Pkey private_key_from_block(const PemBlock& b) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(b.der.data());
  long len = static_cast<long>(b.der.size());
  if (b.type == "RSA PRIVATE KEY") return Pkey(d2i_PrivateKey(EVP_PKEY_RSA, nullptr, &p, len));
  if (b.type == "EC PRIVATE KEY") return Pkey(d2i_PrivateKey(EVP_PKEY_EC, nullptr, &p, len));
  if (b.type == "PRIVATE KEY") return Pkey(d2i_AutoPrivateKey(nullptr, &p, len));
  return nullptr;
}

Value parse_rsa_private_key(Args a, BuiltinContext&) {
  const char* fn = "crypto.x509.parse_rsa_private_key";
  Material m = material(fn, str_arg(fn, a, 1));
  if (!m.pem) fail(fn, "failed to parse PEM block containing the key");
  auto blocks = pem_blocks(m.bytes);
  if (blocks.empty()) fail(fn, "failed to parse PEM block containing the key");
  Pkey k = private_key_from_block(blocks[0]);
  if (!k || EVP_PKEY_get_base_id(k.get()) != EVP_PKEY_RSA)
    fail(fn, "failed to parse an RSA private key");
  return *private_jwk(k.get());
}

Value parse_private_keys(Args a, BuiltinContext&) {
  const char* fn = "crypto.parse_private_keys";
  const std::string& input = str_arg(fn, a, 1);
  if (input.empty()) return Value::null();
  std::string text = input;
  if (!starts_with_pem(text)) {
    std::string error;
    auto decoded = base64_decode(text, Base64Alphabet::Standard, true, error);
    if (!decoded || !starts_with_pem(*decoded)) return Value::array({});
    text = *decoded;
  }
  std::vector<Value> out;
  for (const auto& b : pem_blocks(text)) {
    Pkey k = private_key_from_block(b);
    if (!k) continue;
    if (auto jwk = private_jwk(k.get())) out.push_back(*jwk);
  }
  return Value::array(std::move(out));
}

Value parse_keypair(Args a, BuiltinContext&) {
  const char* fn = "crypto.x509.parse_keypair";
  auto certs = parse_certs(fn, str_arg(fn, a, 1));
  if (certs.empty()) fail(fn, "tls: failed to find any PEM data in certificate input");
  Material km = material(fn, str_arg(fn, a, 2));
  if (!km.pem) fail(fn, "tls: failed to find any PEM data in key input");
  Pkey key;
  for (const auto& b : pem_blocks(km.bytes)) {
    key = private_key_from_block(b);
    if (key) break;
  }
  if (!key) fail(fn, "tls: failed to find \"PRIVATE KEY\" PEM block in key input");
  if (X509_check_private_key(certs[0].get(), key.get()) != 1) {
    fail(fn, "tls: private key does not match public key");
  }
  std::vector<Value> chain;
  for (auto& c : certs) chain.push_back(str(b64(der_of(c.get()))));
  return Value::object({{str("Certificate"), Value::array(std::move(chain))},
                        {str("PrivateKey"), *private_jwk(key.get())},
                        {str("Leaf"), certificate_value(certs[0].get())}});
}

}  // namespace

void register_x509_builtins(Registry& r) {
  def(r, "crypto.x509.parse_certificates", {kString}, parse_certificates, {kArray});
  def(r, "crypto.x509.parse_and_verify_certificates", {kString}, parse_and_verify,
      {kArray, false, true});
  def(r, "crypto.x509.parse_certificate_request", {kString}, parse_certificate_request, {kObject});
  def(r, "crypto.x509.parse_keypair", {kString, kString}, parse_keypair, {kObject});
  def(r, "crypto.x509.parse_rsa_private_key", {kString}, parse_rsa_private_key, {kObject});
  def(r, "crypto.parse_private_keys", {kString}, parse_private_keys, {kArray});
}

}  // namespace mcpgw::policy::rego
