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

if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "fetch-avro.sh: invalid Avro version '$version' (expected e.g. 1.12.1)" >&2
  exit 2
fi

# shellcheck source=../lib/maven-jars.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/maven-jars.sh"
fetch_maven_jars fetch-avro.sh avro "$version" "avro-${version}.jar" "    <dependency><groupId>org.apache.avro</groupId><artifactId>avro</artifactId><version>${version}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>2.0.17</version></dependency>"
