# Sourced by ./kappa and the bench scripts: fills the array `flags` with the JVM flags Chronicle Queue needs,
# from the files the build writes from the parent pom.xml (kappa.jvm.flags.*), adding the JDK 24+ ones when the
# `java` on the PATH is 24 or newer, and sets `java_home` to that JDK's home. $1 is the repository root.
kappa_jvm_flags() {
  local root="$1" java_version extra
  read -r -a flags < "$root/log/target/classes/kappa/jvm.flags"
  # the JDK's release file says its version without starting a JVM (which would cost a start-up per command); read
  # with bash's own `read`, as the rest here, since each program started costs the launcher a millisecond or two
  local java_bin line
  java_bin="$(readlink -f "$(command -v java)")"
  java_home="${java_bin%/bin/java}"
  java_version=""
  if [[ -r "$java_home/release" ]]; then
    while IFS= read -r line; do
      if [[ "$line" =~ ^JAVA_VERSION=\"([0-9]+) ]]; then java_version="${BASH_REMATCH[1]}"; break; fi
    done < "$java_home/release"
  fi
  if [[ -z "$java_version" ]]; then
    java_version=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  fi
  # JNA (Chronicle's thread affinity) runs `ldconfig -p` when its class loads unless told where libraries are: a
  # process started on every command, 0.1-0.5 s of start-up on a busy machine
  local d jna=""
  for d in "/usr/lib/${HOSTTYPE:-x86_64}-linux-gnu" "/lib/${HOSTTYPE:-x86_64}-linux-gnu" /usr/lib64 /lib64 /usr/lib /lib; do
    if [[ -d "$d" ]]; then jna="${jna:+$jna:}$d"; fi
  done
  if [[ -n "$jna" ]]; then flags+=("-Djna.platform.library.path=$jna"); fi
  if [[ "${java_version%%.*}" -ge 24 ]]; then
    read -r -a extra < "$root/log/target/classes/kappa/jvm24.flags"
    flags+=("${extra[@]}")
  fi
}
