#!/usr/bin/env bash
# Builds everything the inspector needs: the wasm module and npm package
# (scripts/build-wasm.sh), then the www/ page with Vite (www/dist), a static
# site that works from any folder of any static host.
#
# The wasm step is skipped when npm/h2lens/pkg is newer than every Rust
# source, manifest and the lockfile (H2LENS_FORCE_WASM=1 rebuilds anyway).
# Run scripts/setup.sh first (npm start / npm test do).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$H2LENS_ROOT"

wasm=npm/h2lens/pkg/h2lens_bg.wasm
wasm_is_fresh() {
  [ "${H2LENS_FORCE_WASM:-}" != 1 ] || return 1
  [ -f "$wasm" ] && [ -f npm/h2lens/pkg/h2lens.js ] || return 1
  # Anything that goes into the module, newer than the module?
  [ -z "$(find crates Cargo.toml Cargo.lock -newer "$wasm" \
    \( -name '*.rs' -o -name Cargo.toml -o -name Cargo.lock \) -print -quit)" ]
}

if wasm_is_fresh; then
  log "wasm module up to date ($wasm newer than the Rust sources); H2LENS_FORCE_WASM=1 rebuilds it"
else
  timed "wasm module + npm package" bash scripts/build-wasm.sh
fi
timed "www (typecheck + vite build)" npm run --silent build --workspace www
