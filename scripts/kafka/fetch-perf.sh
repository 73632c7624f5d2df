#!/usr/bin/env bash
# Download Kafka's own consumer perf tool (org.apache.kafka.tools.ConsumerPerformance, in
# org.apache.kafka:kafka-tools) and its runtime dependencies (kafka-clients, server-common, jopt-simple, …)
# from Maven Central into a local cache. The benchmark's R9 runs it next to kefgen (bench/java-perf.ts).
#
#   bash scripts/kafka/fetch-perf.sh [VERSION]
#
# Environment:
#   KAFKA_VERSION       version of kafka-tools, normally the broker's (default 4.1.2; the first argument wins)
#   KEFGEN_JAVA_CACHE   cache root (default $HOME/.cache/kefgen/java)
#
# Layout: <cache>/kafka-tools-<version>/*.jar and .complete (written last). Idempotent.
# The last line printed on stdout is the absolute path of the jar directory.
set -euo pipefail

version="${1:-${KAFKA_VERSION:-4.1.2}}"
cache_root="${KEFGEN_JAVA_CACHE:-${HOME}/.cache/kefgen/java}"

if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "fetch-perf.sh: invalid Kafka version '$version' (expected e.g. 4.1.2)" >&2
  exit 2
fi

target="${cache_root}/kafka-tools-${version}"
marker="${target}/.complete"
if [[ -f "$marker" ]]; then
  echo "$target"
  exit 0
fi

for tool in mvn java; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch-perf.sh: '$tool' is required (Java 17+ and Maven 3.8+)" >&2
    exit 1
  fi
done

mkdir -p "$cache_root"
# Serialise concurrent fetches of the same version.
exec 9>"${cache_root}/.lock-kafka-tools-${version}"
if command -v flock >/dev/null 2>&1; then
  flock 9
  if [[ -f "$marker" ]]; then
    echo "$target"
    exit 0
  fi
  rm -rf "${cache_root}/.tmp-kafka-tools-${version}."*
fi
tmp="$(mktemp -d "${cache_root}/.tmp-kafka-tools-${version}.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

# kafka-tools declares server-common and jopt-simple itself; they are listed too so that a pom that
# scopes them differently still yields a runnable classpath. slf4j-nop keeps the tool's output to its report.
cat >"${tmp}/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.kefgen</groupId>
  <artifactId>kefgen-kafka-perf</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${version}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-server-common</artifactId><version>${version}</version></dependency>
    <dependency><groupId>net.sf.jopt-simple</groupId><artifactId>jopt-simple</artifactId><version>5.0.4</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency>
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version>
  </plugin></plugins></build>
</project>
POM

echo "fetch-perf.sh: downloading org.apache.kafka:kafka-tools:${version} from Maven Central..." >&2
if ! mvn -B -q -f "${tmp}/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="${tmp}/jars" >"${tmp}/mvn.log" 2>&1; then
  echo "fetch-perf.sh: Maven failed to fetch org.apache.kafka:kafka-tools:${version}" >&2
  tail -n 40 "${tmp}/mvn.log" >&2
  exit 1
fi
if ! ls "${tmp}/jars/kafka-tools-${version}.jar" >/dev/null 2>&1; then
  echo "fetch-perf.sh: kafka-tools-${version}.jar missing after download" >&2
  exit 1
fi
rm -rf "$target"
mv -T "${tmp}/jars" "$target"
printf '%s\n' "$version" >"$marker"
echo "fetch-perf.sh: kafka-tools ${version}: $(ls "$target" | wc -l) jars in ${target}" >&2
echo "$target"
