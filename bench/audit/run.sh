#!/usr/bin/env bash
# Builds the audit benchmark (Release) and runs it against a throwaway PostgreSQL cluster with
# fsync on (real durability costs).   bench/audit/run.sh [BUILD_DIR] [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-audit-bench}
events=${2:-300000}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMCPGW_TESTS=OFF >/dev/null
fi
cmake --build "$build" --target audit_bench -j2 >/dev/null
pgdir=$(mktemp -d /tmp/mcpgw-audit-bench-pg.XXXXXX)
rmdir "$pgdir"
trap 'scripts/pg-test-cluster.sh stop "$pgdir"' EXIT
dsn=$(scripts/pg-test-cluster.sh start "$pgdir")
bench_bin=$(find "$build" -name audit_bench -type f -perm -u+x | head -1)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$bench_bin" --events "$events" --dsn "$dsn" --pg-pid "$(head -1 "$pgdir/data/postmaster.pid")"
