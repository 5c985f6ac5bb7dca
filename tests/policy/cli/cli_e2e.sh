#!/bin/bash
# End-to-end check of `mcp-gateway policy eval|test|check` on a fixture policy: output shape,
# exit codes, and clear errors for bad input. Usage: cli_e2e.sh MCP_GATEWAY_BINARY FIXTURE_DIR
set -u
bin=$1
fixture=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

check() {  # check NAME EXPECTED_EXIT PATTERN -- command...
  local name=$1 want_exit=$2 pattern=$3
  shift 4
  local out
  out=$(timeout 30 "$@" 2>&1)
  local got=$?
  if [[ $got -ne $want_exit ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: exit $got (want $want_exit), output:"
    echo "$out" | head -20
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

check eval-decision 0 '"value":\{"allow":true,"reason":"scope"\}' -- \
  "$bin" policy eval -d "$fixture" -i "$fixture/input.json" data.mcp.authz.decision
check eval-bindings 0 '"bindings":\{"x":true\}' -- \
  "$bin" policy eval -d "$fixture" -i "$fixture/input.json" 'x := data.mcp.authz.allow'
check eval-undefined 0 '^\{\}$' -- "$bin" policy eval -d "$fixture" 'data.mcp.authz.nothing_here'
check eval-pretty 0 '^  "result": \[' -- \
  "$bin" policy eval --format pretty -d "$fixture" -i "$fixture/input.json" data.mcp.authz.allow
check eval-parse-error 1 '"code":"rego_parse_error".*"row":1,"col":' -- "$bin" policy eval -d "$fixture" 'x := ['
check eval-unknown-function 1 'undefined function no.such' -- "$bin" policy eval -d "$fixture" 'no.such(1)'
check eval-bad-input 1 'input.json.*invalid JSON' -- \
  bash -c "echo '{bad' > '$work/input.json' && '$bin' policy eval -d '$fixture' -i '$work/input.json' data.mcp.authz.allow"
check test-pass 0 'PASS: 3/3' -- "$bin" policy test "$fixture"
mkdir -p "$work/failing"
cp "$fixture"/authz.rego "$fixture"/data.json "$work/failing/"
printf 'package t\nimport data.mcp.authz\ntest_wrong if authz.allow with input as {}\n' > "$work/failing/t_test.rego"
check test-fail 2 'data.t.test_wrong: FAIL' -- "$bin" policy test "$work/failing"
check check-ok 0 '2 modules OK' -- "$bin" policy check "$fixture"
printf 'package broken\np if {\n  x := \n}\n' > "$work/broken.rego"
check check-error 1 'broken.rego:4:1: rego_parse_error' -- "$bin" policy check "$work/broken.rego"
check check-missing 1 'no such file or directory' -- "$bin" policy check "$work/nope"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all policy CLI checks passed"
