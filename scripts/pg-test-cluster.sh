#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and benchmarks, on loopback only.
#   pg-test-cluster.sh start DIR   create DIR (owned by postgres), initdb, start on a free port;
#                                  writes DIR/dsn (a libpq connection string) and DIR/port
#   pg-test-cluster.sh pause DIR   stop the server (pg_ctl stop -m fast), keep the data
#   pg-test-cluster.sh resume DIR  start it again on the same port
#   pg-test-cluster.sh stop DIR    stop the server and delete DIR
# initdb refuses to run as root, so the server runs as the postgres user (runuser).
# PG_FSYNC=off makes the cluster faster for tests that do not measure durability.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|pause|resume|stop DIR" >&2
  exit 2
fi

as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

start_server() {
  local port=$1
  as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c fsync=${PG_FSYNC:-on} -c max_connections=50" \
    start >/dev/null
}

case "$cmd" in
  start)
    if [ -e "$dir/data" ]; then
      echo "pg-test-cluster: $dir/data already exists" >&2
      exit 1
    fi
    mkdir -p "$dir/sock"
    if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir"; fi
    if ! as_postgres test -w "$dir"; then
      echo "pg-test-cluster: the postgres user cannot reach $dir (a parent folder is not traversable)" >&2
      exit 1
    fi
    as_postgres "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    for _ in 1 2 3 4 5 6 7 8; do
      port=$((20000 + RANDOM % 40000))
      port_in_use "$port" && continue
      if start_server "$port"; then
        echo "$port" >"$dir/port"
        echo "host=127.0.0.1 port=$port user=postgres dbname=postgres" >"$dir/dsn"
        cat "$dir/dsn"
        exit 0
      fi
    done
    echo "pg-test-cluster: could not start a server; see $dir/server.log" >&2
    exit 1
    ;;
  pause)
    as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    start_server "$(cat "$dir/port")"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|pause|resume|stop DIR" >&2
    exit 2
    ;;
esac
