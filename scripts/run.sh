#!/usr/bin/env bash
# Starts the gateway on a config (default: config/gateway.yaml) and says how to reach it.
set -euo pipefail
BUILD=${1:-build}
CONFIG=${2:-config/gateway.yaml}
cd "$(dirname "$0")/.."
BIN="$BUILD/src/cli/mcp-gateway"
"$BIN" check-config --config "$CONFIG" >/dev/null
LISTEN=$(grep -E '^listen:' "$CONFIG" | head -1 | awk '{print $2}')
cat <<MSG

  mcp-gateway is starting with $CONFIG
  MCP endpoint:  http://${LISTEN:-127.0.0.1:8080}/mcp   (Streamable HTTP; legacy SSE at /sse)
  Try it:        npx @modelcontextprotocol/inspector --cli http://${LISTEN:-127.0.0.1:8080}/mcp --transport http --method tools/list [--header "Authorization: Bearer \$TOKEN"]
  Health:        curl http://${LISTEN:-127.0.0.1:8080}/healthz
  Stop:          Ctrl-C

MSG
if grep -qE '^auth:' "$CONFIG"; then
  cat <<MSG
  Authentication is on. Get a development token (signed by config/dev-keys, development only):
    TOKEN=\$($BIN token --sub alice --role user --scope tools:call --config $CONFIG)
  and send it as "Authorization: Bearer \$TOKEN" (inspector: --header "Authorization: Bearer \$TOKEN").

MSG
fi
mkdir -p var
exec "$BIN" run --config "$CONFIG"
