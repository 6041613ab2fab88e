#!/usr/bin/env bash
# Builds everything the inspector needs: the wasm module and npm package
# (scripts/build-wasm.sh), then the www/ page with Vite (www/dist).
# Run scripts/setup.sh first (npm start / npm test do).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$H2LENS_ROOT"

timed "wasm module + npm package" bash scripts/build-wasm.sh
timed "www (vite build)" npm run --silent build --workspace www
