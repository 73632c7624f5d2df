#!/usr/bin/env bash
# Start a local single-node Kafka broker in the foreground (Ctrl-C stops it and deletes its data).
#   bash scripts/kafka/start.sh [--version 4.1.2] [--port 9092] [--controller-port 9093]
# Prints the bootstrap address. Env: KAFKA_VERSION, KEFGEN_KAFKA_CACHE.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if [[ ! -x node_modules/.bin/tsx ]]; then
  echo "start.sh: tsx not found; run 'npm install' in $root first" >&2
  exit 1
fi
exec node_modules/.bin/tsx scripts/kafka/start.ts "$@"
