#!/usr/bin/env bash
# Run vitest on another Node.js version (fetched and cached by scripts/node/fetch.sh).
#
#   bash scripts/test-node.sh 22 [vitest args…]      # e.g. bash scripts/test-node.sh 24 test/runtime
#   bash scripts/test-node.sh 24.22.3 test/integration/guarantees-*.test.ts
#
# PATH starts with that Node's bin directory, so vitest, its workers and every child process the tests
# spawn (the CLI, consumer processes) run on it. The dependencies are the ones installed (npm ci) on
# the machine's Node; they are plain JavaScript, so one install serves every version.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:?usage: test-node.sh VERSION [vitest args…]}"
shift
bin="$(bash scripts/node/fetch.sh "$version" | tail -1)"
export PATH="${bin}:${PATH}"
echo "test-node.sh: node $(node --version) from ${bin}" >&2
exec node node_modules/vitest/vitest.mjs run "$@"
