#!/usr/bin/env bash
# Download Java Avro (org.apache.avro:avro) and its runtime dependencies from Maven Central into a local cache.
# The evolution tests use it as a witness: Java's SchemaCompatibility judges the same schema changes as kefgen.
#
#   bash scripts/java/fetch-avro.sh [VERSION]
#
# Environment:
#   AVRO_VERSION        Avro version (default 1.12.1; the first argument wins over it)
#   KEFGEN_JAVA_CACHE   cache root (default $HOME/.cache/kefgen/java)
#
# Layout: <cache>/avro-<version>/*.jar and <cache>/avro-<version>/.complete (written last). Idempotent.
# The last line printed on stdout is the absolute path of the jar directory.
set -euo pipefail

version="${1:-${AVRO_VERSION:-1.12.1}}"
cache_root="${KEFGEN_JAVA_CACHE:-${HOME}/.cache/kefgen/java}"

if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "fetch-avro.sh: invalid Avro version '$version' (expected e.g. 1.12.1)" >&2
  exit 2
fi

target="${cache_root}/avro-${version}"
marker="${target}/.complete"
if [[ -f "$marker" ]]; then
  echo "$target"
  exit 0
fi

for tool in mvn java; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch-avro.sh: '$tool' is required (Java 17+ and Maven 3.8+)" >&2
    exit 1
  fi
done

mkdir -p "$cache_root"
# Serialise concurrent fetches (two test runs at once).
exec 9>"${cache_root}/.lock-avro-${version}"
if command -v flock >/dev/null 2>&1; then
  flock 9
  if [[ -f "$marker" ]]; then
    echo "$target"
    exit 0
  fi
  rm -rf "${cache_root}/.tmp-avro-${version}."*
fi
tmp="$(mktemp -d "${cache_root}/.tmp-avro-${version}.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

cat >"${tmp}/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.kefgen</groupId>
  <artifactId>kefgen-avro-witness</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.avro</groupId><artifactId>avro</artifactId><version>${version}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>2.0.17</version></dependency>
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version>
  </plugin></plugins></build>
</project>
POM

echo "fetch-avro.sh: downloading org.apache.avro:avro:${version} from Maven Central..." >&2
if ! mvn -B -q -f "${tmp}/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="${tmp}/jars" >"${tmp}/mvn.log" 2>&1; then
  echo "fetch-avro.sh: Maven failed to fetch org.apache.avro:avro:${version}" >&2
  tail -n 40 "${tmp}/mvn.log" >&2
  exit 1
fi
if ! ls "${tmp}/jars/avro-${version}.jar" >/dev/null 2>&1; then
  echo "fetch-avro.sh: avro-${version}.jar missing after download" >&2
  exit 1
fi
rm -rf "$target"
mv -T "${tmp}/jars" "$target"
printf '%s\n' "$version" >"$marker"
echo "fetch-avro.sh: Avro ${version}: $(ls "$target" | wc -l) jars in ${target}" >&2
echo "$target"
