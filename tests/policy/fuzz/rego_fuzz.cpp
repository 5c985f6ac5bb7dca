// libFuzzer target for the Rego parser, compiler and evaluator. The input is a module; when it
// compiles, every package is evaluated against a small input document. Errors (RegoError) are
// expected; crashes, hangs, leaks and sanitizer reports are what the fuzzer looks for.
#include <cstddef>
#include <cstdint>
#include <string>

#include "policy/rego/engine.h"
#include "policy/rego/errors.h"

using namespace mcpgw::policy::rego;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string source(reinterpret_cast<const char*>(data), size);
  try {
    Engine engine;
    engine.add_module("fuzz.rego", source);
    engine.set_data(Value::from_json(R"({"roles": {"admin": ["ann"]}, "n": [1, 2, 3]})"));
    engine.compile();
    EvalOptions opts;
    opts.input = Value::from_json(R"({"user": "ann", "tool": "echo", "args": {"a": 1}})");
    opts.now_ns = 1;
    std::string query = "data";
    for (const auto& p : engine.modules().front().package) query += "[\"" + p + "\"]";
    engine.eval(query, opts);
  } catch (const RegoError&) {
  } catch (const JsonError&) {
  }
  return 0;
}
