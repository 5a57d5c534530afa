#!/usr/bin/env bash
# Builds the bench module (and what it depends on) and runs the processor load harness, io.kappa.bench.ProcessorBench,
# with the JVM flags Chronicle Queue needs, read from the files the build writes from the parent pom.xml (as ./kappa
# does): default heap and GC, as the other harnesses.
#   bench/run-processor.sh [--events N] [--keys N] [--checkpoint-keys N] [--reps N] [--only LIST] [--out DIR] ...   (--help for all)
# Set KAPPA_BENCH_NO_BUILD=1 to skip the build, KAPPA_JAVA_OPTS for extra flags of the harness JVM (e.g.
# -XX:StartFlightRecording=filename=/tmp/proc.jfr to profile it, or -Dkappa.bench.dir=DIR for the scratch data).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ "${KAPPA_BENCH_NO_BUILD:-}" != 1 ]]; then
  mvn -q -B -ntp -Dstyle.color=never -DskipTests -pl bench -am package
fi
# shellcheck source=scripts/jvm-flags.sh
source "$root/scripts/jvm-flags.sh"
kappa_jvm_flags "$root"
# shellcheck disable=SC2086
exec java "${flags[@]}" ${KAPPA_JAVA_OPTS:-} -cp "bench/target/kappa-bench.jar:bench/target/lib/*" io.kappa.bench.ProcessorBench "$@"
