#include "policy/rego/errors.h"

namespace mcpgw::policy::rego {

std::string Location::str() const {
  std::string out = file ? *file : std::string();
  if (row > 0) out += (out.empty() ? "" : ":") + std::to_string(row) + ":" + std::to_string(col);
  return out;
}

namespace {
std::string render(const std::string& code, const std::string& message, const Location& loc) {
  // Evaluation errors name file:row as OPA prints them; syntax and compile errors add the column.
  std::string where = loc.str();
  if (code.rfind("eval_", 0) == 0 && loc.row > 0) {
    where = (loc.file ? *loc.file + ":" : std::string()) + std::to_string(loc.row);
  }
  return (where.empty() ? "" : where + ": ") + code + ": " + message;
}
}  // namespace

RegoError::RegoError(std::string code_, std::string message_, Location loc_)
    : std::runtime_error(render(code_, message_, loc_)),
      code(std::move(code_)),
      message(std::move(message_)),
      loc(loc_) {
  if (loc.file) {
    file_name = std::make_shared<const std::string>(*loc.file);
    loc.file = file_name.get();
  }
}

}  // namespace mcpgw::policy::rego
