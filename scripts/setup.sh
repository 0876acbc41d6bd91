#!/usr/bin/env bash
# Installs what Head Atlas needs on a Debian/Ubuntu machine with Node.js 20+ and npm.
#   scripts/setup.sh           npm packages (skipped when node_modules matches package-lock.json)
#   scripts/setup.sh --browser also Debian's Chromium, for the browser tests and benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."

# onnxruntime-node's postinstall downloads CUDA files from a host that may be unreachable; the CPU
# binary it ships is all the command-line tools need.
export ONNXRUNTIME_NODE_INSTALL=skip

if [ "${1:-}" = "--browser" ] && [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
