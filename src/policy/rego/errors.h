// Errors raised by the parser, compiler and evaluator, with OPA's codes.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>

#include "policy/rego/ast.h"

namespace mcpgw::policy::rego {

// code: rego_parse_error, rego_compile_error, rego_type_error, rego_unsafe_var_error,
// rego_recursion_error, eval_conflict_error, eval_type_error, eval_builtin_error, ...
class RegoError : public std::runtime_error {
 public:
  RegoError(std::string code, std::string message, Location loc = {});
  std::string code;
  std::string message;  // without location or code
  Location loc;         // loc.file points into file_name, so the error outlives the source

 private:
  std::shared_ptr<const std::string> file_name;
};

}  // namespace mcpgw::policy::rego
