// `mcp-gateway policy eval|test|check`: the embedded Rego engine on the command line, answering
// like `opa eval`, `opa test` and `opa check`.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "policy/rego/engine.h"
#include "policy/rego/errors.h"
#include "policy/rego/loader.h"
#include "policy/rego/parser.h"
#include "policy/rego/test_runner.h"

namespace mcpgw::cli {
namespace {

namespace rego = mcpgw::policy::rego;

std::string escape_json(const std::string& s) {
  return rego::Value::string(s).to_json();
}

std::string error_json(const std::string& code, const std::string& message,
                       const rego::Location& loc) {
  std::string out =
      "{\"errors\":[{\"code\":" + escape_json(code) + ",\"message\":" + escape_json(message);
  if (loc.row > 0) {
    out += ",\"location\":{\"file\":" + escape_json(loc.file ? *loc.file : "") +
           ",\"row\":" + std::to_string(loc.row) + ",\"col\":" + std::to_string(loc.col) + "}";
  }
  return out + "}]}";
}

void load_all(rego::Engine& engine, const std::vector<std::string>& paths) {
  for (const auto& p : paths) rego::load_path(engine, p);
}

// The source text of each top-level expression of a query, split at the expressions' starts.
std::vector<std::string> expression_texts(const std::string& query, const rego::Body& body) {
  std::vector<size_t> starts;
  std::vector<std::pair<int, int>> locs;
  for (const auto& e : body.exprs) locs.emplace_back(e.loc.row, e.loc.col);
  std::sort(locs.begin(), locs.end());
  auto offset_of = [&](int row, int col) {
    size_t off = 0;
    for (int r = 1; r < row && off < query.size(); ++off)
      if (query[off] == '\n') ++r;
    return std::min(query.size(), off + static_cast<size_t>(col - 1));
  };
  for (const auto& [row, col] : locs) starts.push_back(offset_of(row, col));
  std::vector<std::string> out;
  for (size_t i = 0; i < starts.size(); ++i) {
    size_t end = i + 1 < starts.size() ? starts[i + 1] : query.size();
    std::string text = query.substr(starts[i], end - starts[i]);
    while (!text.empty() &&
           (text.back() == ';' || std::isspace(static_cast<unsigned char>(text.back()))))
      text.pop_back();
    out.push_back(text);
  }
  return out;
}

int run_eval(const std::vector<std::string>& data_paths, const std::string& input_path,
             const std::string& format, const std::string& query) {
  rego::Engine engine;
  bool pretty = format == "pretty";
  try {
    load_all(engine, data_paths);
    engine.compile();
    rego::EvalOptions opts;
    opts.print = [](std::string_view line) { std::cerr << line << "\n"; };
    if (!input_path.empty()) {
      std::ifstream in(input_path, std::ios::binary);
      if (!in) throw std::runtime_error(input_path + ": cannot read input file");
      std::stringstream ss;
      ss << in.rdbuf();
      try {
        opts.input = rego::Value::from_json(ss.str());
      } catch (const rego::JsonError& e) {
        throw std::runtime_error(input_path + ": " + e.what());
      }
    }
    auto compiled = engine.prepare(query);
    auto results = engine.eval(compiled, opts);
    auto texts = expression_texts(query, *compiled.body);
    std::vector<const rego::Expr*> by_position;
    for (const auto& e : compiled.body->exprs) by_position.push_back(&e);
    std::sort(by_position.begin(), by_position.end(),
              [](const rego::Expr* a, const rego::Expr* b) { return a->index < b->index; });
    std::vector<rego::Value> result_items;
    for (const auto& r : results) {
      std::vector<rego::Value> exprs;
      for (size_t i = 0; i < r.expressions.size(); ++i) {
        const rego::Expr* e = by_position[i];
        std::vector<rego::ObjectEntry> loc{
            {rego::Value::string("row"), rego::Value::integer(e->loc.row)},
            {rego::Value::string("col"), rego::Value::integer(e->loc.col)}};
        std::vector<rego::ObjectEntry> entry{
            {rego::Value::string("value"),
             r.expressions[i] ? *r.expressions[i] : rego::Value::boolean(true)},
            {rego::Value::string("text"), rego::Value::string(i < texts.size() ? texts[i] : "")},
            {rego::Value::string("location"), rego::Value::object(std::move(loc))}};
        exprs.push_back(rego::Value::object(std::move(entry)));
      }
      std::vector<rego::ObjectEntry> item{
          {rego::Value::string("expressions"), rego::Value::array(std::move(exprs))}};
      if (!r.bindings.empty()) {
        std::vector<rego::ObjectEntry> b;
        for (const auto& [name, v] : r.bindings) b.emplace_back(rego::Value::string(name), v);
        item.emplace_back(rego::Value::string("bindings"), rego::Value::object(std::move(b)));
      }
      result_items.push_back(rego::Value::object(std::move(item)));
    }
    rego::Value doc = result_items.empty()
                          ? rego::Value::object({})
                          : rego::Value::object({{rego::Value::string("result"),
                                                  rego::Value::array(std::move(result_items))}});
    std::cout << (pretty ? doc.to_json_pretty() : doc.to_json()) << "\n";
    return 0;
  } catch (const rego::RegoError& e) {
    std::cout << error_json(e.code, e.message, e.loc) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cout << error_json("load_error", e.what(), {}) << "\n";
    return 1;
  }
}

int run_test(const std::vector<std::string>& paths, bool verbose) {
  rego::Engine engine;
  try {
    load_all(engine, paths);
    engine.compile();
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  auto results = rego::run_policy_tests(engine);
  int pass = 0, fail = 0, error = 0, skip = 0;
  std::string current_file;
  for (const auto& r : results) {
    const char* status =
        r.skipped ? "SKIPPED" : (!r.error.empty() ? "ERROR" : (r.passed ? "PASS" : "FAIL"));
    if (r.skipped)
      ++skip;
    else if (!r.error.empty())
      ++error;
    else if (r.passed)
      ++pass;
    else
      ++fail;
    if (verbose || (!r.passed && !r.skipped)) {
      if (r.file != current_file) {
        std::printf("%s:\n", r.file.c_str());
        current_file = r.file;
      }
      std::printf("%s: %s (%.3fms)\n", r.name.c_str(), status, r.millis);
      if (!r.error.empty()) std::printf("  %s\n", r.error.c_str());
    }
  }
  int total = static_cast<int>(results.size());
  std::printf("%s\n", std::string(80, '-').c_str());
  if (pass) std::printf("PASS: %d/%d\n", pass, total);
  if (fail) std::printf("FAIL: %d/%d\n", fail, total);
  if (error) std::printf("ERROR: %d/%d\n", error, total);
  if (skip) std::printf("SKIPPED: %d/%d\n", skip, total);
  if (total == 0) std::printf("no tests found\n");
  return (fail || error || total == 0) ? 2 : 0;
}

int run_check(const std::vector<std::string>& paths, bool strict) {
  rego::Engine engine;
  try {
    load_all(engine, paths);
    rego::CompileOptions options;
    options.strict = strict;
    engine.compile(options);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  std::printf("%zu modules OK\n", engine.modules().size());
  return 0;
}

}  // namespace

void add_policy_command(CLI::App& app, int& exit_code) {
  auto* policy = app.add_subcommand(
      "policy", "evaluate, test and check Rego policies with the embedded engine");
  policy->require_subcommand(1);

  struct EvalArgs {
    std::vector<std::string> data;
    std::string input, format = "json", query;
  };
  auto eval_args = std::make_shared<EvalArgs>();
  auto* eval = policy->add_subcommand("eval", "evaluate a query (answers like opa eval)");
  eval->add_option("-d,--data", eval_args->data, "policy or data file or directory (repeatable)");
  eval->add_option("-i,--input", eval_args->input, "input document (JSON file)");
  eval->add_option("--format", eval_args->format, "output format")
      ->check(CLI::IsMember({"json", "pretty"}));
  eval->add_option("query", eval_args->query, "Rego query, e.g. data.mcp.authz.allow")->required();
  eval->callback([eval_args, &exit_code] {
    exit_code = run_eval(eval_args->data, eval_args->input, eval_args->format, eval_args->query);
  });

  auto test_paths = std::make_shared<std::vector<std::string>>();
  auto verbose = std::make_shared<bool>(false);
  auto* test =
      policy->add_subcommand("test", "run test_* rules (like opa test); non-zero exit on failure");
  test->add_option("paths", *test_paths, "policy files or directories")->required();
  test->add_flag("-v,--verbose", *verbose, "print every test");
  test->callback(
      [test_paths, verbose, &exit_code] { exit_code = run_test(*test_paths, *verbose); });

  auto check_paths = std::make_shared<std::vector<std::string>>();
  auto strict = std::make_shared<bool>(false);
  auto* check = policy->add_subcommand("check", "report parse and compile errors");
  check->add_option("paths", *check_paths, "policy files or directories")->required();
  check->add_flag("--strict", *strict, "also report vars assigned with := and never used");
  check->callback(
      [check_paths, strict, &exit_code] { exit_code = run_check(*check_paths, *strict); });
}

}  // namespace mcpgw::cli
