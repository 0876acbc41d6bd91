#!/usr/bin/env bash
# Sets up (npm packages) and opens Head Atlas on its bundled default model: http://localhost:5173
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx vite --port "${PORT:-5173}" --open
