package mcp.authz
import rego.v1
default allow := false
allow if "admin" in input.roles
allow if { some s in input.scopes; s == "tools:call"; not deny }
deny if input.args.a > 10
names contains n if some n in data.n
obj[k] := v if some k, v in input.args
f(x) := y if y := x * 2
msg := $"user {input.user} tool {input.tool}"
r := [x | some x in data.n; x > 1]
e if every x in data.n { x > 0 }
