#!/usr/bin/env bash
# End to end: the real gateway with the real sample server behind it over stdio, driven with curl
# as a client would. Usage: sample_server_gateway_e2e.sh GATEWAY_BIN SAMPLE_SERVER_BIN
set -euo pipefail
GATEWAY=${1:?gateway binary}
SAMPLE=${2:?sample-server binary}

WORK=$(mktemp -d /tmp/sample-e2e.XXXXXX)
GATEWAY_PID=""
cleanup() {
  if [ -n "$GATEWAY_PID" ]; then kill "$GATEWAY_PID" 2>/dev/null || true; wait "$GATEWAY_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

failures=0
check() {  # description, command...
  local what=$1
  shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}

mkdir -p "$WORK/root"
printf 'release notes: version 1.2\n' >"$WORK/root/notes.txt"
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for _ in $(seq 1 100); do
  candidate=$((20000 + RANDOM % 40000))
  if ! listening "$candidate"; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "no free port"; exit 1; }
cat >"$WORK/gateway.yaml" <<YAML
listen: 127.0.0.1:$port
servers:
  - name: sample
    transport: stdio
    command: [$SAMPLE, --root, $WORK/root]
YAML
timeout 120 "$GATEWAY" run --config "$WORK/gateway.yaml" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
for _ in $(seq 1 100); do
  listening "$port" && break
  kill -0 "$GATEWAY_PID" 2>/dev/null || { echo "gateway exited:"; cat "$WORK/gateway.log"; exit 1; }
  sleep 0.1
done
URL=http://127.0.0.1:$port/mcp

SESSION=""
# POST a message; prints the JSON-RPC message of the reply (from JSON or from SSE data lines).
rpc() {
  local headers=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
  [ -n "$SESSION" ] && headers+=(-H "Mcp-Session-Id: $SESSION" -H 'MCP-Protocol-Version: 2025-11-25')
  curl -sS -m 20 -D "$WORK/last.headers" "${headers[@]}" --data-binary "$1" "$URL" |
    tr -d '\r' | sed -n 's/^data: \(.\)/\1/p; /^{/p'
}
has() { grep -qF -- "$2" <<<"$1"; }

reply=$(rpc '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}')
SESSION=$(tr -d '\r' <"$WORK/last.headers" | sed -n 's/^[Mm][Cc][Pp]-[Ss][Ee][Ss][Ss][Ii][Oo][Nn]-[Ii][Dd]: *//p')
check "initialize answers and opens a session" has "$reply" '"protocolVersion":"2025-11-25"'
check "the session has an id" test -n "$SESSION"
rpc '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null

reply=$(rpc '{"jsonrpc":"2.0","id":2,"method":"tools/list"}')
for tool in time_now hash base64 uuid json_query calc read_text_file; do
  check "tools/list shows sample__$tool" has "$reply" "\"sample__$tool\""
done

reply=$(rpc '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"sample__calc","arguments":{"expression":"6 * 7"}}}')
check "calc through the gateway" has "$reply" '"text":"42"'

reply=$(rpc '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"sample__hash","arguments":{"text":"abc"}}}')
check "hash through the gateway" has "$reply" 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'

reply=$(rpc '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"sample__read_text_file","arguments":{"path":"notes.txt"}}}')
check "read_text_file reads inside the root" has "$reply" 'release notes: version 1.2'

reply=$(rpc '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"sample__read_text_file","arguments":{"path":"../../etc/passwd"}}}')
check "read_text_file refuses traversal with isError" has "$reply" '"isError":true'
check "no file content leaks" bash -c '! grep -q "root:" <<<"$1"' _ "$reply"

reply=$(rpc '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"sample__calc","arguments":{"expression":"1/0"}}}')
check "a tool error comes back as isError" has "$reply" 'division by zero'

reply=$(rpc '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"sample__no_such_tool","arguments":{}}}')
check "an unknown tool is a JSON-RPC error" has "$reply" '"error"'

reply=$(rpc '{"jsonrpc":"2.0","id":9,"method":"resources/read","params":{"uri":"sample://about"}}')
check "resources/read sample://about" has "$reply" 'mcp-gateway sample server'

reply=$(rpc '{"jsonrpc":"2.0","id":10,"method":"prompts/get","params":{"name":"sample__summarize_file","arguments":{"path":"notes.txt"}}}')
check "prompts/get embeds the file" has "$reply" 'release notes: version 1.2'

if [ $failures -gt 0 ]; then
  echo "$failures check(s) failed; gateway log:"
  tail -n 30 "$WORK/gateway.log"
  exit 1
fi
echo "all checks passed"
