#!/usr/bin/env bash
# Packages the VS Code extension (editors/vscode/) into a .vsix with @vscode/vsce (a dev dependency), not published.
#
#   bash scripts/vscode/package.sh [out.vsix]     # default: dist/kefgen-vscode-<version>.vsix
#
# The extension is staged in a temporary directory and its own dependencies (vscode-languageclient, from
# editors/vscode/package-lock.json) are installed there, so the work tree is left as it was.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
version="$(node -p 'require("./editors/vscode/package.json").version')"
out="${1:-dist/kefgen-vscode-${version}.vsix}"
case "$out" in /*) ;; *) out="${root}/${out}" ;; esac
mkdir -p "$(dirname "$out")"
stage="$(mktemp -d "${TMPDIR:-/tmp}/kefgen-vsix-XXXXXX")"
trap 'rm -rf "$stage"' EXIT
cp -R editors/vscode/. "$stage/"
(cd "$stage" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
(cd "$stage" && "${root}/node_modules/.bin/vsce" package --allow-missing-repository --skip-license --out "$out" >/dev/null)
echo "$out"
