#!/usr/bin/env bash
# Runs every check of the repository, in order, and stops at the first
# failure (its exit code is kept). Works from any directory, any number of
# times. Each step prints a header and how long it took; a summary follows.
#
#   setup → cargo fmt → clippy (native) → clippy (wasm32) → cargo test
#   → fuzz (every cargo-fuzz target for 30 s; skipped, saying so, without
#     a nightly toolchain) → wasm build → npm package (pack check)
#   → www build → Node tests (tests/node/*.test.mjs)
#   → browser tests (tests/browser/*.test.mjs)
#
# H2LENS_SKIP_SETUP=1 skips the setup step (when you know it is done).
# H2LENS_FUZZ_SECONDS=N fuzzes each target N seconds instead of 30.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$H2LENS_ROOT"

total_start=$(now)
passed=()
summary=()

step() {
  local name=$1 start rc=0
  shift
  start=$(now)
  timed "$name" "$@" || rc=$?
  summary+=("$(printf '%-28s %6s s  %s' "$name" "$(elapsed "$start")" "$([ "$rc" -eq 0 ] && echo ok || echo "FAILED ($rc)")")")
  if [ "$rc" -ne 0 ]; then
    report "$name"
    exit "$rc"
  fi
  passed+=("$name")
}

report() {
  log ""
  log "==== summary ($(elapsed "$total_start") s in all)"
  printf '  %s\n' "${summary[@]}"
  if [ -n "${1:-}" ]; then
    log "stopped at: $1"
    log "steps: ${#passed[@]} passed, 1 failed"
  else
    log "steps: ${#passed[@]} passed, 0 failed"
  fi
}

# node --test over a glob; a folder without tests is an error, not a pass.
node_tests() {
  local dir=$1 files
  shopt -s nullglob
  files=("$dir"/*.test.mjs)
  shopt -u nullglob
  [ ${#files[@]} -gt 0 ] || die "no $dir/*.test.mjs"
  node --test "${files[@]}"
}

# The package packs with exactly the files it declares (README, entries,
# types, generated glue and wasm); tests/node/package.test.mjs checks the list.
npm_package() {
  (cd npm/h2lens && npm pack --dry-run 2>&1 | sed -n '/Tarball Contents/,/Tarball Details/p')
}

if [ "${H2LENS_SKIP_SETUP:-}" != 1 ]; then
  step "setup" bash scripts/setup.sh
fi
step "cargo fmt --check" cargo fmt --all --check
step "clippy (native)" cargo clippy --workspace --all-targets --locked -- -D warnings
step "clippy (wasm32)" cargo clippy -p h2lens -p h2lens-wasm --target wasm32-unknown-unknown --locked -- -D warnings
# Oracle tests (nghttp2 and python hpack decoders) must run, not skip.
export H2LENS_REQUIRE_ORACLES=1
step "cargo test" cargo test --workspace --locked
step "fuzz (30 s per target)" bash scripts/fuzz.sh --seconds "${H2LENS_FUZZ_SECONDS:-30}"
step "wasm build" bash scripts/build-wasm.sh
step "npm package" npm_package
step "www build" npm run --silent build --workspace www
step "node tests" node_tests tests/node
step "browser tests" node_tests tests/browser
report
