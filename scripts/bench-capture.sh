#!/usr/bin/env bash
# Whole-process capture benchmark: the h2lens CLI against tshark on the big
# h2load capture, then scaling to 4x and 16x the capture. See
# docs/BENCHMARKS.md.
#
#   scripts/bench-capture.sh [FILE]       (default ../shared/corpus/big/h2load_200k.pcap)
#
# Environment: ROUNDS (interleaved rounds on FILE, default 5), SCALES (copies
# of FILE for the scaling runs, default "1 4 16"), SCALE_ROUNDS (rounds per
# scaled size, default 1), TOOLS (default "h2lens-summary h2lens-headers
# h2lens-explain h2lens-frames h2lens-exchanges h2lens-anomalies tshark"),
# TSHARK_MAX_SCALE (largest scaled copy tshark runs on, default 4: at 16x it
# takes minutes and about 9 GB).
# Writes target/bench/capture.tsv (every run), target/bench/capture.md and
# target/bench/capture-machine.txt.
#
# Before timing, the h2lens output is checked: `summary --json` on FILE must
# give the counts of FILE's oracle (FILE minus .pcap plus .summary.json,
# when present: packets, connections, streams, frame types, header fields),
# and `headers --json` must carry exactly the oracle's (name, value) counts;
# on each scaled copy, `summary --json` must give k times FILE's counts.
#
# Each run is one whole process under /usr/bin/time -f '%M' (peak RSS in
# KiB), its wall time read from bash's $EPOCHREALTIME around it (time's own
# %e has 10 ms steps). The order of tools is shuffled each round (seeded by
# the round number, so reruns repeat it): a rotation kept the same tool right
# after tshark in most rounds, and the run after tshark's 659 MiB is often
# slower whatever it is. Scaled
# captures are built at run time in a temporary folder (deleted on exit), see
# build_scaled.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

file=${1:-$root/../shared/corpus/big/h2load_200k.pcap}
rounds=${ROUNDS:-5}
scales=${SCALES:-"1 4 16"}
scale_rounds=${SCALE_ROUNDS:-1}
tools=${TOOLS:-"h2lens-summary h2lens-headers h2lens-explain h2lens-frames h2lens-exchanges h2lens-anomalies tshark"}
tshark_max_scale=${TSHARK_MAX_SCALE:-4}

if [ ! -f "$file" ]; then
    echo "bench-capture: $file is absent; nothing to measure."
    exit 0
fi

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
need_pkg() { # command package
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "bench-capture: installing $2 (for $1)" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"
    fi
}
need_pkg /usr/bin/time time
need_pkg tshark tshark
need_pkg python3 python3

cargo build --release --locked -p h2lens-cli
h2lens="$root/target/release/h2lens"

# Which tools can run: h2lens's `summary` and `headers` may not exist yet.
runnable=()
for tool in $tools; do
    case $tool in
        h2lens-summary)
            if "$h2lens" summary --help >/dev/null 2>&1; then runnable+=("$tool")
            else echo "bench-capture: h2lens has no 'summary' subcommand yet; skipping $tool" >&2; fi ;;
        h2lens-headers | h2lens-explain)
            if "$h2lens" headers --help >/dev/null 2>&1; then runnable+=("$tool")
            else echo "bench-capture: h2lens has no 'headers' subcommand yet; skipping $tool" >&2; fi ;;
        h2lens-frames | h2lens-exchanges | h2lens-anomalies)
            if "$h2lens" "${tool#h2lens-}" --help >/dev/null 2>&1; then runnable+=("$tool")
            else echo "bench-capture: h2lens has no '${tool#h2lens-}' subcommand; skipping $tool" >&2; fi ;;
        tshark) runnable+=("$tool") ;;
        *) echo "bench-capture: unknown tool $tool" >&2; exit 2 ;;
    esac
done
if [ ${#runnable[@]} -eq 0 ]; then
    echo "bench-capture: no tool to run"
    exit 0
fi

tool_cmd() { # tool file -> the command in ${cmd[@]}
    case $1 in
        h2lens-summary) cmd=("$h2lens" summary "$2") ;;
        h2lens-headers) cmd=("$h2lens" headers --json "$2") ;;
        h2lens-explain) cmd=("$h2lens" headers --json --explain "$2") ;;
        h2lens-frames) cmd=("$h2lens" frames --json "$2") ;;
        h2lens-exchanges) cmd=("$h2lens" exchanges --json "$2") ;;
        h2lens-anomalies) cmd=("$h2lens" anomalies --json "$2") ;;
        tshark) cmd=(tshark -r "$2" -d tcp.port==8090,http2 -Y http2 -T fields
            -e frame.number -e tcp.stream -e http2.streamid -e http2.type
            -e http2.header.name -e http2.header.value) ;;
    esac
}

mkdir -p target/bench
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "command: scripts/bench-capture.sh $* (ROUNDS=$rounds SCALES=\"$scales\" SCALE_ROUNDS=$scale_rounds TSHARK_MAX_SCALE=$tshark_max_scale)"
    echo "file: $file ($(du -b "$file" | cut -f1) bytes)"
    echo "nproc: $(nproc)"
    lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|L2|L3)' || true
    free -m | head -2
    echo "rustc: $(rustc -V)"
    echo "tshark: $(tshark -v 2>/dev/null | head -n 1)"
    echo "h2lens: $("$h2lens" --version)"
    echo "load before run: $(cut -d' ' -f1-3 /proc/loadavg)"
} > target/bench/capture-machine.txt
cat target/bench/capture-machine.txt >&2
tsv=target/bench/capture.tsv
printf 'scale\tround\ttool\twall_s\tpeak_rss_kib\texit\n' > "$tsv"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/h2lens-bench-capture.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Checks h2lens's output against the oracle (see the header).
verify() { # file scale
    local summary="$tmp/summary.json" oracle="${file%.pcap}.summary.json" fields=""
    "$h2lens" summary --json "$1" > "$summary"
    if [ "$2" -eq 1 ]; then
        fields="$tmp/fields.json"
        "$h2lens" headers --json "$1" | python3 -c '
import json, sys, collections
counts = collections.Counter()
for line in sys.stdin:
    for f in json.loads(line)["fields"]:
        counts[f["name"] + ": " + f["value"]] += 1
json.dump(counts, open(sys.argv[1], "w"))' "$fields"
        cp "$summary" "$tmp/summary1.json"
    fi
    python3 - "$summary" "$oracle" "$2" "$tmp/summary1.json" "$fields" <<'PY'
import json, os, sys
summary_path, oracle_path, scale, base_path, fields_path = sys.argv[1:]
scale = int(scale)
got = json.load(open(summary_path))
failures = []
def check(what, have, want):
    if have != want:
        failures.append(f"{what}: h2lens {have}, expected {want}")
if os.path.exists(oracle_path):
    want = json.load(open(oracle_path))
    check("packets", got["packets"], scale * want["packets"])
    check("connections", got["connections"], scale * want["tcp_connections"])
    check("HTTP/2 connections", got["http2_connections"], scale * want["http2_connections"])
    check("streams", got["streams"], scale * want["http2_streams"])
    check("frames", got["frames"], {k: scale * v for k, v in want["frame_types"].items()})
    check("header fields", got["header_fields"], scale * sum(want["header_field_counts"].values()))
    if fields_path:
        check("(name, value) counts of headers --json", json.load(open(fields_path)), want["header_field_counts"])
elif scale > 1:
    base = json.load(open(base_path))
    for key in ["packets", "connections", "http2_connections", "streams", "exchanges",
                "header_blocks", "header_fields"]:
        check(key, got[key], scale * base[key])
    check("frames", got["frames"], {k: scale * v for k, v in base["frames"].items()})
if failures:
    sys.exit("bench-capture: h2lens output does not match at %dx:\n  %s" % (scale, "\n  ".join(failures)))
print("bench-capture: %dx verified (%s)" % (scale, "against " + os.path.basename(oracle_path)
      if os.path.exists(oracle_path) else "against 1x times %d" % scale), file=sys.stderr)
PY
}

measure() { # scale round tool file
    local status=0 cmd=()
    tool_cmd "$3" "$4"
    local start=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$tmp/time" "${cmd[@]}" >/dev/null 2>"$tmp/stderr" || status=$?
    local end=$EPOCHREALTIME
    read -r rss < <(tail -n 1 "$tmp/time")
    # time's %e has 10 ms steps, a tenth of h2lens's run: the shell's clock
    # (microseconds) instead, around the same process.
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$wall" "$rss" "$status" >> "$tsv"
    echo "  ${1}x round $2: $3 ${wall}s, $((rss / 1024)) MiB peak$([ "$status" -ne 0 ] && echo ", exit $status")" >&2
}

# Writes a capture holding k copies of $file (scripts/scale-capture.py:
# each copy shifted in time, its client ports moved).
build_scaled() { # k -> path
    local k=$1 out="$tmp/x$1.pcap"
    if [ "$k" -eq 1 ]; then echo "$file"; return; fi
    python3 "$root/scripts/scale-capture.py" "$file" "$out" "$k" "${SERVER_PORT:-8090}"
    echo "$out"
}

verify "$file" 1
echo "bench-capture: $file, tools: ${runnable[*]}, $rounds rounds" >&2
n=${#runnable[@]}
# The tools in a seeded random order for round $1.
shuffled() {
    python3 -c 'import random, sys
tools = sys.argv[2:]
random.Random(int(sys.argv[1])).shuffle(tools)
print("\n".join(tools))' "$1" "${runnable[@]}"
}
for ((r = 0; r < rounds; r++)); do
    while read -r tool; do
        measure 1 "$((r + 1))" "$tool" "$file"
    done < <(shuffled "$((r + 1))")
done

for scale in $scales; do
    [ "$scale" -eq 1 ] && continue
    echo "bench-capture: building ${scale}x capture" >&2
    scaled=$(build_scaled "$scale")
    verify "$scaled" "$scale"
    for ((r = 0; r < scale_rounds; r++)); do
        for ((k = 0; k < n; k++)); do
            tool=${runnable[$(((k + r) % n))]}
            if [ "$tool" = tshark ] && [ "$scale" -gt "$tshark_max_scale" ]; then
                continue
            fi
            measure "$scale" "$((r + 1))" "$tool" "$scaled"
        done
    done
    [ "$scaled" != "$file" ] && rm -f "$scaled"
done

# Medians per (scale, tool), and ratios to tshark.
awk -F'\t' -v sizes="$(du -b "$file" | cut -f1)" '
    NR == 1 { next }
    { key = $1 "\t" $3; n[key]++; wall[key, n[key]] = $4; rss[key, n[key]] = $5
      if ($6 != 0) failed[key]++; scales[$1] = 1; tools[$3] = 1 }
    function median(arr, key, cnt,   i, j, t, v) {
        for (i = 1; i <= cnt; i++) v[i] = arr[key, i]
        for (i = 1; i <= cnt; i++) for (j = i + 1; j <= cnt; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
        return cnt % 2 ? v[(cnt + 1) / 2] : (v[cnt / 2] + v[cnt / 2 + 1]) / 2
    }
    END {
        print "| copies | tool | runs | median wall s | median peak RSS MiB | MB/s (file) | speed × tshark (tshark wall ÷ wall) | peak RSS ÷ tshark | failed runs |"
        print "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
        for (s in scales) for (t in tools) {
            key = s "\t" t; if (!(key in n)) continue
            w = median(wall, key, n[key]); m = median(rss, key, n[key]) / 1024
            tk = s "\ttshark"; tw = ""; tm = ""
            if (tk in n) { tw = sprintf("%.2f×", median(wall, tk, n[tk]) / w); tm = sprintf("%.2f×", m / (median(rss, tk, n[tk]) / 1024)) }
            printf "| %s | %s | %d | %.3f | %.0f | %.1f | %s | %s | %d |\n", s, t, n[key], w, m, s * sizes / w / 1e6, tw, tm, failed[key] + 0
        }
    }' "$tsv" | (read -r h1; read -r h2; echo "$h1"; echo "$h2"; sort -t'|' -k2,2n -k3,3) > target/bench/capture.md

echo
cat target/bench/capture.md
echo
echo "bench-capture: every run in $tsv"
