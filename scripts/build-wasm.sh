#!/usr/bin/env bash
# Builds the WebAssembly module and assembles the npm package's generated
# part, npm/h2lens/pkg/ (gitignored):
#
#   1. cargo build --profile wasm-release --target wasm32-unknown-unknown -p h2lens-wasm
#      (size: what browsers download) and --profile wasm-speed (Node's)
#   2. wasm-bindgen --target web   (the CLI must equal Cargo.lock's version);
#                                   both modules must get the same JS glue
#   3. wasm-opt -Oz / -O3 -ocimfs=0 (npm binaryen; never Debian's, which breaks
#                                    wasm-bindgen 0.2.129 output at load time)
#
# pkg/h2lens_bg.wasm is the size-optimised module (the browser entry and the
# inspector load it); pkg/h2lens_bg.node.wasm the speed-optimised one, read
# from disk by the Node entry, where a megabyte more costs nothing and
# decoding runs up to three times faster (docs/BUILD.md).
#
# Run scripts/setup.sh first (npm start / npm test do).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$H2LENS_ROOT"

pkg_dir=npm/h2lens/pkg
target_dir=${CARGO_TARGET_DIR:-$H2LENS_ROOT/target}
wasm_in="$target_dir/wasm32-unknown-unknown/wasm-release/h2lens_wasm.wasm"
wasm_speed_in="$target_dir/wasm32-unknown-unknown/wasm-speed/h2lens_wasm.wasm"
wasm_opt=node_modules/.bin/wasm-opt

want=$(wasm_bindgen_lock_version)
have=$(wasm_bindgen_cli_version)
[ "$have" = "$want" ] ||
  die "wasm-bindgen CLI is ${have:-missing}, Cargo.lock pins $want: run scripts/setup.sh"
[ -x "$wasm_opt" ] || die "$wasm_opt missing: run scripts/setup.sh (npm ci)"

# The npm package and the crate must carry the same version.
cargo_version=$(cargo metadata --no-deps --format-version 1 --locked |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
    const p=JSON.parse(s).packages.find(p=>p.name==="h2lens-wasm"); console.log(p.version)})')
npm_version=$(node -p 'require("./npm/h2lens/package.json").version')
[ "$cargo_version" = "$npm_version" ] ||
  die "version mismatch: crates are $cargo_version, npm/h2lens/package.json is $npm_version"

timed "cargo build (wasm32, wasm-release profile: size)" \
  cargo build --profile wasm-release --locked --target wasm32-unknown-unknown -p h2lens-wasm
timed "cargo build (wasm32, wasm-speed profile: Node)" \
  cargo build --profile wasm-speed --locked --target wasm32-unknown-unknown -p h2lens-wasm

bindgen() {
  local speed_dir="$target_dir/wasm-speed-bindgen"
  rm -rf "$pkg_dir" "$speed_dir"
  wasm-bindgen --target web --no-typescript --out-dir "$pkg_dir" --out-name h2lens "$wasm_in"
  wasm-bindgen --target web --no-typescript --out-dir "$speed_dir" --out-name h2lens "$wasm_speed_in"
  # One glue for both modules: they must import and export the same names.
  cmp -s "$pkg_dir/h2lens.js" "$speed_dir/h2lens.js" ||
    die "wasm-bindgen made different JS glue for the wasm-release and wasm-speed modules"
  mv "$speed_dir/h2lens_bg.wasm" "$pkg_dir/h2lens_bg.node.wasm"
}
timed "wasm-bindgen $have --target web" bindgen

optimize() {
  local raw
  raw=$(stat -c %s "$pkg_dir/h2lens_bg.wasm")
  "$wasm_opt" -Oz --strip-debug --strip-producers \
    "$pkg_dir/h2lens_bg.wasm" -o "$pkg_dir/h2lens_bg.opt.wasm"
  mv "$pkg_dir/h2lens_bg.opt.wasm" "$pkg_dir/h2lens_bg.wasm"
  log "h2lens_bg.wasm: $raw bytes from wasm-bindgen," \
    "$(stat -c %s "$pkg_dir/h2lens_bg.wasm") bytes after wasm-opt," \
    "$(gzip -9c "$pkg_dir/h2lens_bg.wasm" | wc -c) bytes gzipped"
}
timed "wasm-opt -Oz ($("$wasm_opt" --version | awk '{ print $3 }'))" optimize

# -ocimfs=0: no inlining of a function into its only caller. By default -O3
# inlines them all, which undoes what the Rust code keeps out of line so that
# V8 optimises the hot functions sooner (crate docs of h2lens, "Rare paths
# out of line"): the first decode of the big capture in Node took 267 ms
# with plain -O3, 232 ms with -ocimfs=0, 233 ms without wasm-opt (medians
# of 11 alternated runs, docs/BENCHMARKS.md).
optimize_speed() {
  "$wasm_opt" -O3 -ocimfs=0 --strip-debug --strip-producers \
    "$pkg_dir/h2lens_bg.node.wasm" -o "$pkg_dir/h2lens_bg.node.opt.wasm"
  mv "$pkg_dir/h2lens_bg.node.opt.wasm" "$pkg_dir/h2lens_bg.node.wasm"
  log "h2lens_bg.node.wasm (Node): $(stat -c %s "$pkg_dir/h2lens_bg.node.wasm") bytes after wasm-opt"
}
timed "wasm-opt -O3 -ocimfs=0 (Node's module)" optimize_speed

log "npm package ready in npm/h2lens (generated part: $pkg_dir)"
