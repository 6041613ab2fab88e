# shellcheck shell=bash
# Shared helpers for the scripts in this folder. Source it; do not run it.

H2LENS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export H2LENS_ROOT

# Tools installed by npm (wasm-opt from binaryen, tsc, vite) come first.
export PATH="$H2LENS_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

log() { printf '%s\n' "$*"; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Seconds since the epoch with microseconds (bash 5).
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }

# elapsed START: seconds since START, one decimal.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# timed NAME CMD...: runs CMD under a header, prints how long it took, and
# returns CMD's exit code (the wrapper never hides a failure).
timed() {
  local name=$1 start rc=0
  shift
  start=$(now)
  log ""
  log "==> $name"
  "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then
    log "<== $name: ok ($(elapsed "$start") s)"
  else
    log "<== $name: FAILED with exit code $rc ($(elapsed "$start") s)"
  fi
  return "$rc"
}

# The wasm-bindgen version Cargo.lock pins (the CLI must be the same).
wasm_bindgen_lock_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
    "$H2LENS_ROOT/Cargo.lock"
}

# The version of the wasm-bindgen CLI on PATH, or nothing.
wasm_bindgen_cli_version() {
  if command -v wasm-bindgen >/dev/null 2>&1; then
    wasm-bindgen --version 2>/dev/null | awk '{ print $2 }'
  fi
}
