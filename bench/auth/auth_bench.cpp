// Prints the cost of authenticating one request: cold (a token never seen: parse, signature,
// claims, identity, cache insert) per algorithm, and cached (hash + lookup), plus the parts.
// Keys come from a local JWKS file, so no network is involved.
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "auth/jwt.h"
#include "auth/signature.h"
#include "auth/signing_key.h"
#include "auth/token_cache.h"

using namespace mcpgw;
using Clock = std::chrono::steady_clock;

namespace {

const char* kResource = "http://127.0.0.1:8080/mcp";

long long now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json claims(int i) {
  return {{"iss", "bench-issuer"},
          {"aud", kResource},
          {"sub", "user-" + std::to_string(i)},
          {"scope", "tools:read tools:call"},
          {"roles", {"user"}},
          {"iat", now_s()},
          {"exp", now_s() + 3600},
          {"jti", std::to_string(i)}};
}

double thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

// Wall time and this thread's CPU time per operation: on a shared, loaded machine the CPU time
// is the figure to read (wall time includes waiting for a core).
struct Cost {
  double wall_ns, cpu_ns;
};

template <class F>
Cost ns_per_op(int n, F&& f) {
  auto t0 = Clock::now();
  double c0 = thread_cpu_ns();
  for (int i = 0; i < n; ++i) f(i);
  double cpu = (thread_cpu_ns() - c0) / n;
  return {std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / n, cpu};
}

void print(const char* what, Cost c) {
  auto fmt = [](double ns) {
    char buf[32];
    if (ns >= 1000)
      std::snprintf(buf, sizeof buf, "%9.2f us", ns / 1000);
    else
      std::snprintf(buf, sizeof buf, "%9.1f ns", ns);
    return std::string(buf);
  };
  std::printf("%-46s cpu %s/op   wall %s/op\n", what, fmt(c.cpu_ns).c_str(),
              fmt(c.wall_ns).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  int cold_n = argc > 1 ? std::atoi(argv[1]) : 2000;
  int hot_n = argc > 2 ? std::atoi(argv[2]) : 2000000;
  std::vector<auth::SigningKey> keys;
  for (const char* alg : {"RS256", "ES256", "EdDSA"})
    keys.push_back(auth::SigningKey::generate(alg));
  auto jwks_path = std::filesystem::temp_directory_path() / "mcpgw_auth_bench_jwks.json";
  {
    nlohmann::json doc = {{"keys", nlohmann::json::array()}};
    for (const auto& k : keys) doc["keys"].push_back(k.public_jwk());
    std::ofstream(jwks_path) << doc.dump();
  }
  std::string yaml =
      std::string("auth:\n  resource: ") + kResource +
      "\n  issuers:\n    - issuer: bench-issuer\n      jwks_file: " + jwks_path.string() +
      "\n  cache_max_entries: 1000000\n";
  asio::io_context io;
  auth::Authenticator authenticator(auth::load_config(YAML::Load(yaml)), io);
  std::filesystem::remove(jwks_path);

  std::printf("auth_bench: %d cold tokens per algorithm, %d cached lookups\n", cold_n, hot_n);
  int failures = 0;
  auto check = [&](const auth::Outcome& o) {
    if (!o.ok) ++failures;
  };
  for (const auto& key : keys) {
    std::vector<std::string> headers;
    for (int i = 0; i < cold_n; ++i) headers.push_back("Bearer " + key.mint(claims(i)));
    auto pub = std::get<auth::PublicKey>(auth::jwk_to_key(key.public_jwk()));
    auto parsed = std::get<auth::ParsedJwt>(auth::parse_jwt(headers[0].substr(7), 8192));
    print(("  signature only, " + key.alg()).c_str(), ns_per_op(cold_n, [&](int) {
            if (!auth::verify_signature(key.alg(), pub.pkey.get(), parsed.signing_input,
                                        parsed.signature))
              ++failures;
          }));
    print(("cold authenticate, " + key.alg()).c_str(),
          ns_per_op(cold_n, [&](int i) { authenticator.authenticate(headers[i], check); }));
  }
  std::string token = keys[0].mint(claims(-1));
  std::string header = "Bearer " + token;
  authenticator.authenticate(header, check);  // now cached
  print("  parse only (header+payload JSON, base64url)", ns_per_op(20000, [&](int) {
          auto r = auth::parse_jwt(token, 8192);
          if (r.index() != 0) ++failures;
        }));
  print("  SHA-256 of the token (cache key)", ns_per_op(hot_n, [&](int) {
          volatile auto d = auth::digest_token(token)[0];
          (void)d;
        }));
  std::size_t token_bytes = token.size();
  print("cached authenticate (RS256 token)",
        ns_per_op(hot_n, [&](int) { authenticator.authenticate(header, check); }));
  std::printf("token size: %zu bytes; failures: %d\n", token_bytes, failures);
  return failures == 0 ? 0 : 1;
}
