#!/usr/bin/env bash
# Builds the bench module (and what it depends on) and runs the JMH benchmarks with the JVM flags Chronicle
# Queue needs, read from the files the build writes from the parent pom.xml (as ./kappa does).
#   bench/run-jmh.sh [--fast] [--out FILE] [--prof PROFILER]... [REGEX]
# Set KAPPA_BENCH_NO_BUILD=1 to skip the build, KAPPA_JAVA_OPTS for extra flags of the runner JVM (the forked
# benchmark JVMs inherit them).
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
exec java "${flags[@]}" ${KAPPA_JAVA_OPTS:-} -cp "bench/target/kappa-bench.jar:bench/target/lib/*" io.kappa.bench.JmhMain "$@"
