// Network built-ins are left out of the embedded engine on purpose: a policy decision must not
// wait on the network. They are still declared, so that policies written for OPA compile, tests
// can replace them with `with http.send as mock`, and a real call fails with a clear error
// instead of an unknown-function error. Also opa.runtime, with no runtime to describe here.
#include <set>

#include "policy/rego/builtins/builtin_support.h"
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {
namespace {
using namespace builtins;

const std::set<std::string>& allowed_http_keys() {
  static const std::set<std::string> keys = {"method",
                                             "url",
                                             "body",
                                             "raw_body",
                                             "headers",
                                             "enable_redirect",
                                             "force_json_decode",
                                             "force_yaml_decode",
                                             "tls_use_system_certs",
                                             "tls_ca_cert",
                                             "tls_ca_cert_file",
                                             "tls_ca_cert_env_variable",
                                             "tls_client_cert",
                                             "tls_client_cert_file",
                                             "tls_client_cert_env_variable",
                                             "tls_client_key",
                                             "tls_client_key_file",
                                             "tls_client_key_env_variable",
                                             "tls_insecure_skip_verify",
                                             "tls_server_name",
                                             "timeout",
                                             "cache",
                                             "force_cache",
                                             "force_cache_duration_seconds",
                                             "raise_error",
                                             "caching_mode",
                                             "max_retry_attempts",
                                             "cache_ignored_headers"};
  return keys;
}

std::string quoted_set(const std::vector<std::string>& names) {
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", \"" : "\"") + names[i] + "\"";
  return out + "}";
}

Value http_send(Args a, BuiltinContext&) {
  const char* fn = "http.send";
  const Value& req = kind_arg(fn, a, 1, Kind::Object);
  std::vector<std::string> invalid, missing;
  for (const auto& [k, _] : req.entries()) {
    std::string key = k.is_string() ? k.as_string() : k.to_json();
    if (!allowed_http_keys().count(key)) invalid.push_back(key);
  }
  if (!invalid.empty()) {
    fail_raw("eval_type_error",
             std::string(fn) + ": invalid request parameters(s): " + quoted_set(invalid));
  }
  for (const char* required : {"method", "url"})
    if (!req.find(required)) missing.push_back(required);
  if (!missing.empty()) {
    fail_raw("eval_type_error",
             std::string(fn) + ": missing required request parameters(s): " + quoted_set(missing));
  }
  fail(fn,
       "network built-ins are disabled in the embedded engine (replace it with `with http.send as "
       "...` in "
       "tests, or use the OPA backend)");
}

}  // namespace

void register_network_builtins(Registry& r) {
  def(r, "http.send", {kObject}, http_send, {kObject, false, /*nondeterministic=*/true});
  def(r, "net.lookup_ip_addr", {kString},
      [](Args a, BuiltinContext&) -> Value {
        fail("net.lookup_ip_addr", "DNS lookups are disabled in the embedded engine");
      },
      {kSet, false, true});
  // The embedded engine exposes no runtime information (OPA's config, env and version).
  def(r, "opa.runtime", {}, [](Args, BuiltinContext&) { return Value::object({}); },
      {kObject, false, /*nondeterministic=*/true});
}

}  // namespace mcpgw::policy::rego
