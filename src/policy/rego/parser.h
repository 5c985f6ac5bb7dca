// Parses Rego v1 source (modules, queries, single terms) into the syntax tree.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "policy/rego/ast.h"

namespace mcpgw::policy::rego {

// Throws RegoError(rego_parse_error) naming file:line:col.
Module parse_module(std::string_view source, const std::string& file);

// A query: literals separated by ';' or newlines. `file` must outlive the result.
std::shared_ptr<Body> parse_query(std::string_view source, const std::string* file);

// A single term (used for `input_term` and tests).
TermPtr parse_term(std::string_view source, const std::string* file);

}  // namespace mcpgw::policy::rego
