#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ (libFuzzer, nightly toolchain), each
# for a while, one after the other, starting from seeds made of the test
# fixtures (fuzz/seeds.py) plus the kept regression inputs
# (fuzz/regressions/<target>/). A finding stops the script with libFuzzer's
# report; the crashing input is in fuzz/artifacts/<target>/.
#
#   bash scripts/fuzz.sh                    # every target, 30 s each (CI)
#   bash scripts/fuzz.sh --seconds 600 hpack conn
#
# Without a nightly toolchain the script says so and exits 0: the fuzz
# targets need nightly (-Zsanitizer flags, libFuzzer's runtime), the
# regression inputs do not (crates/h2lens/tests/fuzz_regressions.rs runs
# them on stable in `cargo test`).
#
# No sanitizer: the decoder is safe Rust (forbid(unsafe_code)), so what a
# fuzzer can find is a panic, an arithmetic overflow (overflow checks and
# debug assertions are on), a stack overflow, a hang (-timeout) or runaway
# memory (-rss_limit_mb); AddressSanitizer would slow every run down for
# none of those.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$H2LENS_ROOT/fuzz"

seconds=30
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(hpack frame conn capture tap decode)

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  log "SKIPPED: fuzzing needs the nightly toolchain, and this machine has none"
  log "         (rustup toolchain install nightly); the regression inputs still ran in cargo test"
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  timed "install cargo-fuzz" cargo install --locked cargo-fuzz --version 0.13.2
fi

python3 seeds.py
timed "build fuzz targets" cargo +nightly fuzz build --sanitizer none

for t in "${targets[@]}"; do
  case $t in
    capture|decode) max_len=65536 ;;
    *) max_len=16384 ;;
  esac
  mkdir -p "regressions/$t" "artifacts/$t"
  log ""
  log "==> fuzz $t for $seconds s"
  rc=0
  cargo +nightly fuzz run --sanitizer none "$t" "corpus/$t" "regressions/$t" -- \
    -max_total_time="$seconds" -max_len="$max_len" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 >"artifacts/$t/run.log" 2>&1 || rc=$?
  grep -aE '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)' "artifacts/$t/run.log" || true
  if [ "$rc" -ne 0 ]; then
    tail -60 "artifacts/$t/run.log"
    die "fuzz target $t found a problem (exit $rc); the input is in fuzz/artifacts/$t/"
  fi
  log "<== fuzz $t: no finding"
done
