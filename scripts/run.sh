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
  Try it:        npx @modelcontextprotocol/inspector --cli http://${LISTEN:-127.0.0.1:8080}/mcp --transport http --method tools/list
  Health:        curl http://${LISTEN:-127.0.0.1:8080}/healthz
  Stop:          Ctrl-C

MSG
if [ -x "$BIN" ] && "$BIN" token --help >/dev/null 2>&1; then
  echo "  A development token (when auth is on): $BIN token --sub alice --role user --scope tools:call"
  echo
fi
exec "$BIN" run --config "$CONFIG"
