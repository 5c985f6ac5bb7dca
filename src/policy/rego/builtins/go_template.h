// A small subset of Go's text/template for strings.render_template: text, {{.a.b}}, {{$var}},
// {{if X}}…{{else}}…{{end}}, {{range X}} and {{range $i, $v := X}}…{{end}}, with {{- -}} trimming.
// A missing key renders as "<undefined>", as OPA does.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "policy/rego/value.h"

namespace mcpgw::policy::rego::builtins {

// nullopt and `error` set when the template cannot be parsed or uses unsupported actions.
std::optional<std::string> render_go_template(std::string_view tmpl, const Value& vars,
                                              std::string& error);

}  // namespace mcpgw::policy::rego::builtins
