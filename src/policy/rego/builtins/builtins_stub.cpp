// Empty registrations for families not written yet, so mcpgw_rego links. Delete a line when its
// family file defines the real function (rego-builtins owns this file).
#include "policy/rego/builtins/builtins.h"

namespace mcpgw::policy::rego {

void register_jwt_builtins(Registry&) {}
void register_x509_builtins(Registry&) {}

}  // namespace mcpgw::policy::rego
