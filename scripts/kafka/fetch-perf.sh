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

if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "fetch-perf.sh: invalid Kafka version '$version' (expected e.g. 4.1.2)" >&2
  exit 2
fi

# shellcheck source=../lib/maven-jars.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/maven-jars.sh"
# kafka-tools declares server-common and jopt-simple itself; they are listed too so that a pom that
# scopes them differently still yields a runnable classpath. slf4j-nop keeps the tool's output to its report.
fetch_maven_jars fetch-perf.sh kafka-tools "$version" "kafka-tools-${version}.jar" "    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${version}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-server-common</artifactId><version>${version}</version></dependency>
    <dependency><groupId>net.sf.jopt-simple</groupId><artifactId>jopt-simple</artifactId><version>5.0.4</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency>"
