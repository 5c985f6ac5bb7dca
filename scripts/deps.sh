#!/usr/bin/env bash
# Installs every Debian and npm dependency the project needs. Idempotent:
# packages already present are skipped, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

DEB_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git curl ca-certificates
  libboost-dev libboost-system-dev libboost-program-options-dev
  libssl-dev openssl libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  nlohmann-json3-dev libsqlite3-dev sqlite3 libpq-dev postgresql libre2-dev
  libgtest-dev libgmock-dev googletest
  clang libclang-rt-14-dev libfuzzer-14-dev clang-format
  nodejs npm wrk procps
)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # nodejs/npm may come from outside Debian's packages on this machine
    if { [ "$p" = nodejs ] && command -v node >/dev/null; } || { [ "$p" = npm ] && command -v npm >/dev/null; }; then
      continue
    fi
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages (pinned in package-lock.json) for the end-to-end tests and the conformance upstream.
if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "deps: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi
# The conformance suite, pinned with the Node 22 it needs, in its own folder (it crashes on Node 20).
if [ -f tests/conformance/package-lock.json ]; then
  if [ ! -d tests/conformance/node_modules ] || \
     [ tests/conformance/package-lock.json -nt tests/conformance/node_modules/.package-lock.json ]; then
    echo "deps: npm ci in tests/conformance"
    (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
echo "deps: ok"
