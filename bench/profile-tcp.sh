#!/usr/bin/env bash
# Where the CPU of binary TCP ingest goes, per event: runs the binary scenario of bench/run-tcp.sh and samples the
# server JVM and the harness JVM (the KappaClient load generator) with `perf record` over the timed phase (from its
# first progress line to the end), then prints CPU nanoseconds per acknowledged event for each thread, splitting the
# kernel's zeroing of fresh page-cache pages (memset/clear_page under the page faults of the memory-mapped segments
# and the pretoucher's reads) from the rest. CPU time, not wall time: a busy machine slows the run but moves these
# figures much less than the rates (docs/benchmarks.md, TCP ingest).
#   bench/profile-tcp.sh [EVENTS (default 8M)] [OUT (default bench/target/tcp-profile)]
# Needs perf (linux-perf) and kernel.perf_event_paranoid <= 2. Set KAPPA_BENCH_NO_BUILD=1 to skip the build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
events="${1:-8M}"
out="${2:-$root/bench/target/tcp-profile}"
command -v perf >/dev/null || { echo "profile-tcp: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
case "$events" in
  *k) total=$(( ${events%k} * 1000 )) ;;
  *M) total=$(( ${events%M} * 1000000 )) ;;
  *[!0-9]*|'') echo "profile-tcp: EVENTS is a whole number, with an optional k or M suffix: '$events'" >&2; exit 2 ;;
  *) total=$events ;;
esac
rm -rf "$out"
mkdir -p "$out"
KAPPA_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+PreserveFramePointer" "$root/bench/run-tcp.sh" --only binary \
  --events "$events" --warmup-fraction 0.5 --server-opt -XX:+UnlockDiagnosticVMOptions --server-opt -XX:+PreserveFramePointer \
  --out "$out" >"$out/bench.txt" 2>&1 &
harness=$!
until grep -q '^\[binary\]' "$out/bench.txt" 2>/dev/null; do
  kill -0 "$harness" 2>/dev/null || { cat "$out/bench.txt" >&2; echo "profile-tcp: the harness ended before its timed phase" >&2; exit 1; }
  sleep 0.05
done
server=$(pgrep -P "$harness" java | head -1)
first=$(grep -m1 '^\[binary\]' "$out/bench.txt" | sed -E 's/.*ev\/s +([0-9,]+)\/.*/\1/' | tr -d ,)
perf record -F 997 -g -p "$server,$harness" -o "$out/perf.data" 2>"$out/perf.log" &
recorder=$!
wait "$harness" || { cat "$out/bench.txt" >&2; exit 1; }
kill -INT "$recorder" 2>/dev/null || true
wait "$recorder" 2>/dev/null || true
perf report -i "$out/perf.data" --no-children --sort comm,sym --stdio -n -g none 2>/dev/null >"$out/report.txt"
python3 - "$out/report.txt" $(( total - first )) <<'PY'
import collections, re, sys
report, events = sys.argv[1], int(sys.argv[2])
cpu, zeroing = collections.Counter(), collections.Counter()
for line in open(report):
    m = re.match(r'\s+[\d.]+%\s+(\d+)\s+(\S.{14})\s+\[(.)\]\s+(.*)', line)
    if m:
        n, thread, kind, symbol = int(m.group(1)), m.group(2).strip(), m.group(3), m.group(4)
        cpu[thread] += n
        if kind == 'k' and re.search(r'memset|clear_page', symbol):
            zeroing[thread] += n
ns = lambda samples: samples * 1e9 / 997 / events
named = {'kappa-server': 'server I/O thread', 'kappa-pretouch': 'server pretoucher', 'java': 'client sender (main)',
         'kappa-client-re': 'client reader'}
print(f"CPU per acknowledged event, over {events:,} events (perf at 997 Hz):")
for thread, label in named.items():
    print(f"  {label:22} {ns(cpu[thread]):5.0f} ns   page zeroing {ns(zeroing[thread]):5.0f} ns   rest {ns(cpu[thread] - zeroing[thread]):5.0f} ns")
others = sum(v for k, v in cpu.items() if k not in named)
print(f"  {'other threads (JIT, GC)':22} {ns(others):5.0f} ns")
PY
grep -E '^binary TCP|^load average' "$out/bench.txt"
echo "perf data, report and the harness output: $out"
