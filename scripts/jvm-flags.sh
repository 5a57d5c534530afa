# Sourced by ./kappa and the bench scripts: fills the array `flags` with the JVM flags Chronicle Queue needs,
# from the files the build writes from the parent pom.xml (kappa.jvm.flags.*), adding the JDK 24+ ones when the
# `java` on the PATH is 24 or newer. $1 is the repository root.
kappa_jvm_flags() {
  local root="$1" java_version extra
  read -r -a flags < "$root/log/target/classes/kappa/jvm.flags"
  java_version=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  if [[ "${java_version%%.*}" -ge 24 ]]; then
    read -r -a extra < "$root/log/target/classes/kappa/jvm24.flags"
    flags+=("${extra[@]}")
  fi
}
