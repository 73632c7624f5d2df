#!/usr/bin/env bash
# Download the jars of an Apache Kafka broker from Maven Central (with Maven) into a local cache.
#
#   bash scripts/kafka/fetch.sh [VERSION]
#
# Environment:
#   KAFKA_VERSION        Kafka version to fetch (default 4.1.2; the first argument wins over it)
#   KEFGEN_KAFKA_CACHE   cache root (default $HOME/.cache/kefgen/kafka)
#   KEFGEN_LOG4J2_VERSION log4j2 version used for the slf4j binding of Kafka >= 4 (default 2.25.3)
#
# Layout: <cache>/<version>/libs/*.jar and <cache>/<version>/.complete (written last).
# Idempotent: exits at once when the marker exists. A half-finished earlier run is discarded: the jars
# are copied into a temporary directory that is renamed into place only when complete.
# The last line printed on stdout is the absolute path of the libs directory.
set -euo pipefail

version="${1:-${KAFKA_VERSION:-4.1.2}}"
cache_root="${KEFGEN_KAFKA_CACHE:-${HOME}/.cache/kefgen/kafka}"
log4j2_version="${KEFGEN_LOG4J2_VERSION:-2.25.3}"

if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "fetch.sh: invalid Kafka version '$version' (expected e.g. 4.1.2)" >&2
  exit 2
fi

target="${cache_root}/${version}"
marker="${target}/.complete"

if [[ -f "$marker" && -d "${target}/libs" ]]; then
  echo "${target}/libs"
  exit 0
fi

for tool in mvn java; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch.sh: '$tool' is required (Java 17+ and Maven 3.8+)" >&2
    exit 1
  fi
done

mkdir -p "$cache_root"

# Serialise concurrent fetches of the same version (e.g. two test runs at once).
exec 9>"${cache_root}/.lock-${version}"
if command -v flock >/dev/null 2>&1; then
  flock 9
  # Another process may have finished the job while we waited.
  if [[ -f "$marker" && -d "${target}/libs" ]]; then
    echo "${target}/libs"
    exit 0
  fi
fi

# Leftovers of a run that was killed (with flock held, no other run of this version is active).
if command -v flock >/dev/null 2>&1; then
  rm -rf "${cache_root}/.tmp-${version}."*
fi
tmp="$(mktemp -d "${cache_root}/.tmp-${version}.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

major="${version%%.*}"
if (( major >= 4 )); then
  # Kafka 4.x logs with log4j2 (log4j-api/log4j-core come with kafka-server); slf4j 1.7 callers
  # (scala-logging, clients) need the log4j2 slf4j binding. Pin the whole log4j2 family to one version.
  logging_deps="
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>${log4j2_version}</version></dependency>"
  managed="
  <dependencyManagement><dependencies>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>${log4j2_version}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>${log4j2_version}</version></dependency>
  </dependencies></dependencyManagement>"
else
  # Kafka 3.x logs with log4j 1 (reload4j) through slf4j 1.7.
  logging_deps="
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>"
  managed=""
fi

cat >"${tmp}/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.kefgen</groupId>
  <artifactId>kefgen-kafka-broker</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <properties><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
  ${managed}
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${version}</version></dependency>${logging_deps}
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF

echo "fetch.sh: downloading Apache Kafka ${version} jars from Maven Central..." >&2
start_s=$SECONDS
if ! mvn -B -q -f "${tmp}/pom.xml" \
      dependency:copy-dependencies \
      -DincludeScope=runtime \
      -DoutputDirectory="${tmp}/libs" >"${tmp}/mvn.log" 2>&1; then
  echo "fetch.sh: Maven failed to fetch org.apache.kafka:kafka_2.13:${version}" >&2
  tail -n 40 "${tmp}/mvn.log" >&2
  exit 1
fi

if ! ls "${tmp}/libs"/kafka_2.13-"${version}".jar >/dev/null 2>&1; then
  echo "fetch.sh: kafka_2.13-${version}.jar missing after download" >&2
  exit 1
fi

rm -f "${tmp}/mvn.log"
# Replace any incomplete earlier attempt, then publish atomically; the marker comes last.
rm -rf "$target"
mv -T "$tmp" "$target"
trap - EXIT
printf '%s\n' "$version" >"$marker"
echo "fetch.sh: Kafka ${version}: $(ls "${target}/libs" | wc -l) jars in ${target}/libs ($((SECONDS - start_s))s)" >&2
echo "${target}/libs"
