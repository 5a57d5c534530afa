#!/usr/bin/env bash
# Processor throughput on Kafka (a broker in the same JVM) against the local log, each beside its bare baseline.
# Usage: kafka/run-bench.sh [EVENTS (default 1000000)] [PARTITIONS (default 2)]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
(cd "$root" && mvn -q -B -ntp -DskipTests -pl kafka -am install)
cp_file="$here/target/bench.classpath"
(cd "$here" && mvn -q -B -ntp dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file")
# shellcheck source=../scripts/jvm-flags.sh
source "$root/scripts/jvm-flags.sh"
kappa_jvm_flags "$root"
cd "$here"
exec java "${flags[@]}" -Xmx4g ${KAFKA_BENCH_OPTS:-} -cp "$here/target/test-classes:$here/target/classes:$(cat "$cp_file")" io.kappa.kafka.KafkaBench "$@"
