#!/usr/bin/env bash
# Builds the bench module (and what it depends on) and runs the TCP ingest load harness, io.kappa.bench.TcpIngestBench,
# with the JVM flags Chronicle Queue needs, read from the files the build writes from the parent pom.xml (as ./kappa
# does). The harness starts each `kappa serve` child JVM itself, with the same flags and this class path.
#   bench/run-tcp.sh [--events N] [--line-events N] [--rate R,R..] [--duration S] [--out DIR] ...   (--help for all)
# Set KAPPA_BENCH_NO_BUILD=1 to skip the build, KAPPA_JAVA_OPTS for extra flags of the harness JVM (the load
# generator and the in-process baselines; the server JVMs take --server-opt).
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
exec java "${flags[@]}" ${KAPPA_JAVA_OPTS:-} -cp "bench/target/kappa-bench.jar:bench/target/lib/*" io.kappa.bench.TcpIngestBench "$@"
