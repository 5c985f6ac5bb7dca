#!/usr/bin/env bash
# Load run of MCP tools/call, through the gateway and directly against bench/fast-upstream, side
# by side: requests/s, p50/p99 latency, errors, the gateway's CPU time per call and peak RSS.
#
#   bench/run.sh BUILD_DIR          (what `make bench` calls; builds nothing itself)
#
# Environment: BENCH_DURATION (seconds per run, default 10), BENCH_WARMUP (seconds, default 2),
# BENCH_AUDIT (sqlite, jsonl or postgres: also run a second gateway that audits every call into
# that sink, side by side with the plain one; postgres starts a throwaway cluster), BENCH_CONNECTIONS (default "16 64"), BENCH_WRK_THREADS
# (default 2), BENCH_GATEWAY (path to the
# mcp-gateway binary, default BUILD_DIR/src/cli/mcp-gateway), BENCH_UPSTREAM_THREADS (default 1).
# Every process it starts binds 127.0.0.1 and is stopped on exit. Exit status 1 when the gateway
# could not be measured or a run had errors.
set -euo pipefail

BUILD=${1:?usage: bench/run.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-"16 64"}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
UPSTREAM_THREADS=${BENCH_UPSTREAM_THREADS:-1}
UPSTREAM_BIN=$BUILD/bench/fast-upstream/fast-upstream
GATEWAY_BIN=${BENCH_GATEWAY:-$BUILD/src/cli/mcp-gateway}
CLK_TCK=$(getconf CLK_TCK)
CPU_TARGET_US=100
RSS_TARGET_MB=32
AUDIT_TARGET_US=10

for tool in wrk curl; do
  command -v $tool >/dev/null || { echo "bench: '$tool' is not installed (make deps)" >&2; exit 2; }
done
[ -x "$UPSTREAM_BIN" ] || { echo "bench: $UPSTREAM_BIN not built (make build)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/mcpgw-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  # Gateways started from a subshell are not our children: wait for them by polling.
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  [ -n "${PG_DIR:-}" ] && "$HERE/../scripts/pg-test-cluster.sh" stop "$PG_DIR" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }

# True when something accepts connections on 127.0.0.1:$1 (bash's /dev/tcp, no extra tool).
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! listening "$port"; then echo "$port"; return; fi
  done
  log "no free port found"; return 1
}

# utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15; the command name
# in field 2 may contain spaces, so count from after its closing parenthesis).
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat") || return 1  # $1: a pid, or pid/task/tid
  stat=${stat##*) }
  awk '{ print $12 + $13 }' <<<"$stat"
}

# The same for the gateway's main thread (the event loop: the request path); the rest of its CPU is
# helper threads (the audit writer, the auth worker).
main_thread_ticks() { cpu_ticks "$1/task/$1" 2>/dev/null || echo 0; }

# CPU of a PostgreSQL server: the postmaster and its children, with what reaped backends used.
server_ticks() {
  local total=0 pid stat
  for pid in $1 $(pgrep -P "$1"); do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    total=$((total + $(awk '{ print $12 + $13 + $14 + $15 }' <<<"$stat")))
  done
  echo "$total"
}

peak_rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# POST a JSON-RPC message; prints the HTTP status; headers and body land in $WORK/$2.*
post() {  # url name body [session] [protocol-version]
  local url=$1 name=$2 body=$3 session=${4:-} version=${5:-}
  local args=(-sS -m 10 -o "$WORK/$name.body" -D "$WORK/$name.headers" -w '%{http_code}'
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
  [ -n "$session" ] && args+=(-H "Mcp-Session-Id: $session")
  [ -n "$version" ] && args+=(-H "MCP-Protocol-Version: $version")
  curl "${args[@]}" --data-binary "$body" "$url" || echo "curl-failed"
}

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcpgw-bench","version":"1"}}}'
INITIALIZED='{"jsonrpc":"2.0","method":"notifications/initialized"}'
CALL='{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello check"}}}'

# Opens one MCP session at $1 and checks one tools/call by hand. Sets SESSION and VERSION, or
# prints what went wrong (which request, which status, which body) and returns 1.
open_session() {  # url label
  local url=$1 label=$2 status
  SESSION="" VERSION=""
  status=$(post "$url" "$label-init" "$INIT")
  if [ "$status" != 200 ]; then
    log "$label: initialize answered HTTP $status: $(head -c 400 "$WORK/$label-init.body" 2>/dev/null)"
    return 1
  fi
  SESSION=$(tr -d '\r' <"$WORK/$label-init.headers" | sed -n 's/^[Mm][Cc][Pp]-[Ss][Ee][Ss][Ss][Ii][Oo][Nn]-[Ii][Dd]: *//p' | head -1)
  VERSION=$(grep -o '"protocolVersion" *: *"[^"]*"' "$WORK/$label-init.body" | head -1 | sed 's/.*"\([^"]*\)"$/\1/')
  if [ -z "$SESSION" ] || [ -z "$VERSION" ]; then
    log "$label: initialize gave no Mcp-Session-Id or no protocolVersion:"
    log "$(cat "$WORK/$label-init.headers" "$WORK/$label-init.body" | head -c 800)"
    return 1
  fi
  status=$(post "$url" "$label-initialized" "$INITIALIZED" "$SESSION" "$VERSION")
  if [ "$status" != 202 ]; then
    log "$label: notifications/initialized answered HTTP $status (expected 202): $(head -c 400 "$WORK/$label-initialized.body")"
    return 1
  fi
  status=$(post "$url" "$label-call" "$CALL" "$SESSION" "$VERSION")
  if [ "$status" != 200 ] || ! grep -q '"hello check"' "$WORK/$label-call.body"; then
    log "$label: tools/call answered HTTP $status: $(head -c 400 "$WORK/$label-call.body")"
    return 1
  fi
  log "$label: session $SESSION, protocol $VERSION, tools/call ok"
}

# Starts fast-upstream on a free port; sets UPSTREAM_PID and UPSTREAM_URL.
start_upstream() {
  "$UPSTREAM_BIN" --port 0 --threads "$UPSTREAM_THREADS" >"$WORK/upstream.out" 2>&1 &
  UPSTREAM_PID=$!
  PIDS+=("$UPSTREAM_PID")
  for _ in $(seq 1 50); do
    UPSTREAM_URL=$(sed -n 's/^listening on //p' "$WORK/upstream.out")
    [ -n "$UPSTREAM_URL" ] && return 0
    sleep 0.1
  done
  log "fast-upstream did not start: $(cat "$WORK/upstream.out")"
  return 1
}

# Starts a gateway in front of the upstream, auditing every call into sink $2 (sqlite or jsonl)
# when one is given. Prints "PID URL" once it listens. Called in a subshell ($(...)), so it leaves
# the pid in $WORK/LABEL.pid for the caller to stop on exit.
start_gateway() {  # label [audit-sink]
  local label=$1 sink=${2:-} port pid
  if [ ! -x "$GATEWAY_BIN" ]; then
    log "$label: $GATEWAY_BIN is not built"
    return 1
  fi
  port=$(free_port)
  cat >"$WORK/$label.yaml" <<EOF
listen: 127.0.0.1:$port
servers:
  - name: fast
    transport: http
    url: $UPSTREAM_URL
    prefix: false
EOF
  if [ "$sink" = postgres ]; then
    printf 'audit:\n  sink: postgres\n  dsn: "%s"\n  spool_dir: %s\n  on_failure: fail_open\n' \
      "$PG_DSN" "$WORK/$label-spool" >>"$WORK/$label.yaml"
  elif [ -n "$sink" ]; then
    printf 'audit:\n  sink: %s\n  path: %s\n  spool_dir: %s\n  on_failure: fail_open\n' \
      "$sink" "$WORK/$label.$sink" "$WORK/$label-spool" >>"$WORK/$label.yaml"
  fi
  "$GATEWAY_BIN" run --config "$WORK/$label.yaml" >"$WORK/$label.log" 2>&1 &
  pid=$!
  echo "$pid" >"$WORK/$label.pid"
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$label exited at start; its log:"
      tail -n 20 "$WORK/$label.log" >&2
      return 1
    fi
    if listening "$port"; then
      echo "$pid http://127.0.0.1:$port/mcp"
      return 0
    fi
    sleep 0.1
  done
  log "$label did not listen on $port within 10 s; its log:"
  tail -n 20 "$WORK/$label.log" >&2
  return 1
}

# One wrk run; prints "RESULT ..." extended with CPU and memory figures of the gateway (when
# measured) and of the upstream.
run_wrk() {  # url session version connections seconds gateway_pid(or -)
  local url=$1 session=$2 version=$3 conns=$4 seconds=$5 gw=$6
  local threads=$((WRK_THREADS < conns ? WRK_THREADS : conns))
  local gw_before=0 gw_after=0 main_before=0 main_after=0 up_before up_after out
  local pg_before=0 pg_after=0
  [ -n "$PG_PID" ] && pg_before=$(server_ticks "$PG_PID")
  [ "$gw" != - ] && gw_before=$(cpu_ticks "$gw") && main_before=$(main_thread_ticks "$gw")
  up_before=$(cpu_ticks "$UPSTREAM_PID")
  out=$(MCP_SESSION_ID=$session MCP_PROTOCOL_VERSION=$version \
    timeout $((seconds + 30)) wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 5s \
    -s "$HERE/tools_call.lua" "$url" 2>&1) || { log "wrk failed: $out"; return 1; }
  [ "$gw" != - ] && gw_after=$(cpu_ticks "$gw") && main_after=$(main_thread_ticks "$gw")
  [ -n "$PG_PID" ] && pg_after=$(server_ticks "$PG_PID")
  up_after=$(cpu_ticks "$UPSTREAM_PID")
  grep '^FIRST_FAILURE' <<<"$out" | head -3 | sed 's/^/bench:   /' >&2 || true
  local result
  result=$(grep '^RESULT' <<<"$out") || { log "wrk printed no result: $out"; return 1; }
  echo "$result gw_ticks=$((gw_after - gw_before)) gw_main_ticks=$((main_after - main_before))" \
    "pg_ticks=$((pg_after - pg_before))" \
    "up_ticks=$((up_after - up_before))" \
    "gw_hwm_kb=$([ "$gw" != - ] && peak_rss_kb "$gw" || echo 0)"
}

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }

# Per-call CPU in µs from clock ticks and a call count.
per_call_us() { awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "-" }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

start_upstream || exit 1
open_session "$UPSTREAM_URL" direct || exit 1

# The modes measured side by side: the upstream directly, through the gateway, and (with
# BENCH_AUDIT) through a second gateway that audits every call. Per mode: URL, session, version,
# pid ("-" for direct) and, when it could not be measured, why.
declare -A URL SESS VER PIDOF FAILED
MODES="direct gateway"
URL[direct]=$UPSTREAM_URL SESS[direct]=$SESSION VER[direct]=$VERSION PIDOF[direct]=-
[ -n "${BENCH_AUDIT:-}" ] && MODES="$MODES audited"
# BENCH_AUDIT=postgres: a throwaway cluster (fsync on), whose CPU is measured too.
PG_DIR="" PG_DSN="" PG_PID=""
if [ "${BENCH_AUDIT:-}" = postgres ]; then
  PG_DIR=$(mktemp -u /tmp/mcpgw-bench-pg.XXXXXX)
  PG_DSN=$("$HERE/../scripts/pg-test-cluster.sh" start "$PG_DIR") || { log "PostgreSQL did not start"; exit 1; }
  PG_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
fi
for mode in $MODES; do
  [ $mode = direct ] && continue
  sink=""
  [ $mode = audited ] && sink=$BENCH_AUDIT
  started=$(start_gateway "$mode" "$sink") || started=""
  [ -f "$WORK/$mode.pid" ] && PIDS+=("$(cat "$WORK/$mode.pid")")
  if [ -z "$started" ]; then
    FAILED[$mode]="it did not start (see above)"
    continue
  fi
  PIDOF[$mode]=${started%% *} URL[$mode]=${started#* }
  if open_session "${URL[$mode]}" "$mode"; then
    SESS[$mode]=$SESSION VER[$mode]=$VERSION
  else
    FAILED[$mode]="the MCP handshake through it failed (see above)"
  fi
done

declare -A RESULTS
ERRORS=0
for conns in $CONNECTIONS; do
  for mode in $MODES; do
    [ -n "${FAILED[$mode]:-}" ] && continue
    args=("${URL[$mode]}" "${SESS[$mode]}" "${VER[$mode]}" "$conns")
    gw=${PIDOF[$mode]}
    if [ "$WARMUP" -gt 0 ]; then run_wrk "${args[@]}" "$WARMUP" "$gw" >/dev/null || true; fi
    log "$mode, $conns connections, ${DURATION}s"
    if ! RESULTS[$mode-$conns]=$(run_wrk "${args[@]}" "$DURATION" "$gw"); then
      RESULTS[$mode-$conns]=""
      ERRORS=1
    fi
    if [ "$gw" != - ] && ! kill -0 "$gw" 2>/dev/null; then
      log "$mode: the gateway died during the $conns-connection run; its log:"
      tail -n 20 "$WORK/$mode.log" >&2
      FAILED[$mode]="it died under load"
    fi
  done
done

# The table and the verdict; returns 1 when a gateway was not measured or a run had errors.
print_report() {
  echo "tools/call echo, ${DURATION}s per run, wrk $WRK_THREADS threads, $(nproc) cores," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
  [ -n "${BENCH_AUDIT:-}" ] && echo "audited: a second gateway recording every call into $BENCH_AUDIT"
  printf '%-8s %5s %10s %9s %9s %8s %13s %8s %12s %13s\n' mode conns "req/s" "p50 ms" "p99 ms" \
    errors "gw CPU µs/call" "gw cores" "gw peak RSS" "upstream µs/call"
  for conns in $CONNECTIONS; do
    for mode in $MODES; do
      r=${RESULTS[$mode-$conns]:-}
      if [ -z "$r" ]; then
        printf '%-8s %5s %10s\n' $mode "$conns" "not measured"
        continue
      fi
      requests=$(field "$r" requests)
      errors=$(($(field "$r" non2xx) + $(field "$r" rpc_errors) + $(field "$r" no_result) +
        $(field "$r" unexpected) + $(field "$r" connect_errors) + $(field "$r" read_errors) +
        $(field "$r" write_errors) + $(field "$r" timeouts)))
      [ "$errors" -gt 0 ] && ERRORS=1
      gw_cpu=- gw_rss=- gw_cores=-
      if [ $mode != direct ]; then
        gw_cpu=$(per_call_us "$(field "$r" gw_ticks)" "$requests")
        # CPU seconds over wall seconds: below 1 with high latency means the gateway was starved
        gw_cores=$(awk -v t="$(field "$r" gw_ticks)" -v us="$(field "$r" duration_us)" \
          -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz / (us / 1e6) }')
        gw_rss="$(awk -v kb="$(field "$r" gw_hwm_kb)" 'BEGIN { printf "%.1f MB", kb / 1024 }')"
      fi
      printf '%-8s %5s %10.0f %9s %9s %8s %13s %8s %12s %13s\n' $mode "$conns" "$(field "$r" rps)" \
        "$(ms "$(field "$r" p50_us)")" "$(ms "$(field "$r" p99_us)")" "$errors" "$gw_cpu" \
        "$gw_cores" "$gw_rss" "$(per_call_us "$(field "$r" up_ticks)" "$requests")"
    done
  done

  echo
  VERDICT=0
  for conns in $CONNECTIONS; do
    d=${RESULTS[direct-$conns]:-} g=${RESULTS[gateway-$conns]:-} a=${RESULTS[audited-$conns]:-}
    if [ -n "$d" ] && [ -n "$g" ]; then
      awk -v c="$conns" -v gr="$(field "$g" rps)" -v dr="$(field "$d" rps)" \
        -v gp="$(field "$g" p50_us)" -v dp="$(field "$d" p50_us)" \
        'BEGIN { printf "%s connections: gateway/direct throughput %.2f, gateway adds %.2f ms at p50\n", c, gr / dr, (gp - dp) / 1000 }'
    fi
    if [ -n "$g" ] && [ -n "$a" ]; then
      gc=$(per_call_us "$(field "$g" gw_ticks)" "$(field "$g" requests)")
      ac=$(per_call_us "$(field "$a" gw_ticks)" "$(field "$a" requests)")
      gm=$(per_call_us "$(field "$g" gw_main_ticks)" "$(field "$g" requests)")
      am=$(per_call_us "$(field "$a" gw_main_ticks)" "$(field "$a" requests)")
      awk -v c="$conns" -v g="$gc" -v a="$ac" -v gm="$gm" -v am="$am" -v t=$AUDIT_TARGET_US \
        -v s="$BENCH_AUDIT" 'BEGIN { d = a - g; printf "%s connections: auditing (%s) adds %.1f µs of gateway CPU per call (%.1f vs %.1f; <= %d: %s): %.1f on the event loop (%.1f vs %.1f), %.1f on other threads\n", c, s, d, a, g, t, (d <= t) ? "met" : "MISSED", am - gm, am, gm, d - (am - gm) }'
      if [ -n "$PG_PID" ]; then
        echo "$conns connections: the PostgreSQL server used" \
          "$(per_call_us "$(field "$a" pg_ticks)" "$(field "$a" requests)") µs of CPU per audited call" \
          "(its own processes, not counted above)"
      fi
    fi
  done
  last=${CONNECTIONS##* }
  g=${RESULTS[gateway-$last]:-}
  if [ -n "$g" ]; then
    cpu=$(per_call_us "$(field "$g" gw_ticks)" "$(field "$g" requests)")
    rss_mb=$(awk -v kb="$(field "$g" gw_hwm_kb)" 'BEGIN { printf "%.1f", kb / 1024 }')
    cpu_ok=$(awk -v v="$cpu" -v t=$CPU_TARGET_US 'BEGIN { print (v <= t) ? "met" : "MISSED" }')
    rss_ok=$(awk -v v="$rss_mb" -v t=$RSS_TARGET_MB 'BEGIN { print (v <= t) ? "met" : "MISSED" }')
    echo "targets at $last connections: gateway CPU $cpu µs/call (<= $CPU_TARGET_US: $cpu_ok)," \
      "peak RSS $rss_mb MB (<= $RSS_TARGET_MB: $rss_ok)"
  fi
  for mode in $MODES; do
    if [ -n "${FAILED[$mode]:-}" ]; then
      echo "$mode: NOT MEASURED: ${FAILED[$mode]}"
      VERDICT=1
    fi
  done
  if [ $ERRORS = 1 ]; then
    echo "some runs had errors (see the errors column and the FIRST_FAILURE lines above)"
    VERDICT=1
  fi
  return $VERDICT
}

# Printed and kept in bench/results/ (not versioned).
mkdir -p "$HERE/results"
REPORT=$HERE/results/bench-$(date -u +%Y%m%dT%H%M%SZ).txt
VERDICT=0
print_report >"$REPORT" || VERDICT=1
echo
cat "$REPORT"
echo "report saved to $REPORT"
exit $VERDICT
