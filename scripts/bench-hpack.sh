#!/usr/bin/env bash
# HPACK decoder benchmark: h2lens against nghttp2, the h2 crate and
# httlib-hpack over every hpack-test-case story. See docs/BENCHMARKS.md.
#
#   scripts/bench-hpack.sh [bench-hpack options]   e.g. --rounds 15 --slow-rounds 3
#
# BENCH_H2LENS=1 forces the h2lens adapter (cargo feature h2lens-hpack) on,
# BENCH_H2LENS=0 off; by default it is on when the h2lens crate has the
# decoder API the adapter needs (hpack::Decoder::decode_fields).
# Writes target/bench/hpack.json, target/bench/hpack.md, target/bench/machine.txt.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# libnghttp2 is the reference decoder; install it once (idempotent).
if ! dpkg-query -W -f='${Status}' libnghttp2-dev 2>/dev/null | grep -q "install ok installed"; then
    echo "bench-hpack: installing libnghttp2-dev (the reference decoder)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libnghttp2-dev pkg-config
fi

corpus="$root/../shared/hpack-test-case"
if [ ! -d "$corpus" ]; then
    echo "bench-hpack: $corpus is missing (the hpack-test-case stories)" >&2
    exit 1
fi

features=()
want_h2lens=${BENCH_H2LENS:-auto}
if [ "$want_h2lens" = auto ]; then
    if grep -rqs "fn decode_fields" crates/h2lens/src/hpack/; then want_h2lens=1; else want_h2lens=0; fi
fi
if [ "$want_h2lens" = 1 ]; then
    features=(--features h2lens-hpack)
    echo "bench-hpack: h2lens adapter on" >&2
else
    echo "bench-hpack: h2lens adapter off (no hpack::Decoder::decode_fields in crates/h2lens yet)" >&2
fi

cargo build --release --locked -p h2lens-bench "${features[@]}"

mkdir -p target/bench
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc: $(nproc)"
    lscpu | head -n 20
    echo "rustc: $(rustc -V)"
    echo "libnghttp2: $(dpkg-query -W -f='${Version}' libnghttp2-14 2>/dev/null || echo unknown)"
    echo "load before run: $(cut -d' ' -f1-3 /proc/loadavg)"
} > target/bench/machine.txt
cat target/bench/machine.txt >&2

exec target/release/bench-hpack \
    --corpus "$corpus" \
    --json target/bench/hpack.json \
    --markdown target/bench/hpack.md \
    "$@"
