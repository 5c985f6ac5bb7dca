// Latency of one authorization decision with the embedded Rego engine: the policy is compiled
// once, then `data.mcp.authz.decision` is evaluated for a tools/call-shaped input many times.
// Prints p50, p90, p99 and max in microseconds.
//
//   rego_bench [iterations]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "policy/rego/engine.h"

using namespace mcpgw::policy::rego;

namespace {

// Roles from the token, scopes per tool from a data document, and an argument check.
constexpr const char* kPolicy = R"(package mcp.authz

import rego.v1

default allow := false

allow if "admin" in input.subject.roles

allow if {
	input.method == "tools/call"
	some scope in input.subject.scopes
	scope in data.tool_scopes[input.server][input.tool]
	not forbidden_argument
}

forbidden_argument if {
	some name, value in input.arguments
	some rule in data.argument_rules
	rule.name == name
	not value in rule.allowed
}

reason := "admin role" if "admin" in input.subject.roles
else := "scope granted" if allow
else := "no matching scope"

decision := {"allow": allow, "reason": reason}
)";

constexpr const char* kData = R"({
  "tool_scopes": {
    "files": {"read_file": ["files:read", "files:write"], "write_file": ["files:write"]},
    "search": {"query": ["search:use"]}
  },
  "argument_rules": [
    {"name": "path", "allowed": ["/srv/docs/readme.md", "/srv/docs/guide.md"]},
    {"name": "mode", "allowed": ["ro"]}
  ]
})";

constexpr const char* kInput = R"({
  "subject": {"sub": "user-42", "roles": ["user"], "scopes": ["files:read", "search:use"]},
  "method": "tools/call",
  "server": "files",
  "tool": "read_file",
  "arguments": {"path": "/srv/docs/readme.md", "mode": "ro"},
  "session": "s-1",
  "client": "127.0.0.1"
})";

double percentile(std::vector<double>& sorted, double p) {
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i];
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = argc > 1 ? std::atoi(argv[1]) : 200000;
  if (iterations <= 0) {
    std::fprintf(stderr, "usage: rego_bench [iterations > 0]\n");
    return 2;
  }
  Engine engine;
  engine.add_module("authz.rego", kPolicy);
  engine.set_data(Value::from_json(kData));
  engine.compile();
  CompiledQuery query = engine.prepare("data.mcp.authz.decision");
  EvalOptions opts;
  opts.input = Value::from_json(kInput);
  opts.now_ns = 1;  // no clock read per query

  // Sanity check: the decision must be an allow for this input.
  auto first = engine.eval(query, opts);
  if (first.size() != 1 || !first[0].expressions[0]) {
    std::fprintf(stderr, "unexpected result\n");
    return 1;
  }
  std::printf("decision: %s\n", first[0].expressions[0]->to_json().c_str());

  for (int i = 0; i < iterations / 10; ++i) engine.eval(query, opts);  // warm up
  std::vector<double> micros;
  micros.reserve(static_cast<size_t>(iterations));
  auto start_all = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = engine.eval(query, opts);
    auto t1 = std::chrono::steady_clock::now();
    if (r.empty()) return 1;
    micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  double total_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_all).count();
  std::sort(micros.begin(), micros.end());
  std::printf("iterations: %d  throughput: %.0f decisions/s (one thread)\n", iterations,
              iterations / total_s);
  std::printf("latency us: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", percentile(micros, 0.50),
              percentile(micros, 0.90), percentile(micros, 0.99), micros.back());
  return 0;
}
