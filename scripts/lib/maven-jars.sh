# Sourced by the scripts that fetch Java witnesses and tools from Maven Central (scripts/java/fetch-avro.sh,
# scripts/kafka/fetch-perf.sh): one owner for the cache layout, locking, the throwaway pom and the Maven call.
#
#   fetch_maven_jars <script> <name> <version> <main-jar> <dependencies-xml>
#
# Copies the runtime classpath of <dependencies-xml> (pom <dependency> elements) into
# ${KEFGEN_JAVA_CACHE:-$HOME/.cache/kefgen/java}/<name>-<version>/, writes .complete last (idempotent; concurrent
# fetches of one version are serialised with flock), checks that <main-jar> arrived, and prints the directory on
# stdout as its last line. Messages go to stderr, prefixed with <script>.

fetch_maven_jars() {
  local script="$1" name="$2" version="$3" main_jar="$4" dependencies="$5"
  local cache_root="${KEFGEN_JAVA_CACHE:-${HOME}/.cache/kefgen/java}"
  local target="${cache_root}/${name}-${version}"
  local marker="${target}/.complete"
  if [[ -f "$marker" ]]; then
    echo "$target"
    return 0
  fi

  local tool
  for tool in mvn java; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "${script}: '$tool' is required (Java 17+ and Maven 3.8+)" >&2
      return 1
    fi
  done

  mkdir -p "$cache_root"
  # Serialise concurrent fetches of the same version (two test runs at once).
  exec 9>"${cache_root}/.lock-${name}-${version}"
  if command -v flock >/dev/null 2>&1; then
    flock 9
    if [[ -f "$marker" ]]; then
      echo "$target"
      return 0
    fi
    rm -rf "${cache_root}/.tmp-${name}-${version}."*
  fi
  tmp="$(mktemp -d "${cache_root}/.tmp-${name}-${version}.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT

  cat >"${tmp}/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.kefgen</groupId>
  <artifactId>kefgen-${name}</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
${dependencies}
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version>
  </plugin></plugins></build>
</project>
POM

  echo "${script}: downloading ${name} ${version} from Maven Central..." >&2
  if ! mvn -B -q -f "${tmp}/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="${tmp}/jars" >"${tmp}/mvn.log" 2>&1; then
    echo "${script}: Maven failed to fetch ${name} ${version}" >&2
    tail -n 40 "${tmp}/mvn.log" >&2
    return 1
  fi
  if ! ls "${tmp}/jars/${main_jar}" >/dev/null 2>&1; then
    echo "${script}: ${main_jar} missing after download" >&2
    return 1
  fi
  rm -rf "$target"
  mv -T "${tmp}/jars" "$target"
  printf '%s\n' "$version" >"$marker"
  echo "${script}: ${name} ${version}: $(ls "$target" | wc -l) jars in ${target}" >&2
  echo "$target"
}
