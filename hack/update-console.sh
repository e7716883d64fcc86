#!/usr/bin/env bash
# Builds the web console into pkg/gateway/console, where go:embed takes it,
# so go build needs no network: tsc (pinned in web/package-lock.json)
# compiles web/console/src to ES modules; the page, style and icon are
# copied as they are. hack/verify-console.sh checks the committed output.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."
(cd web && npm ci --no-audit --no-fund)
out=pkg/gateway/console
rm -rf "$out"
mkdir -p "$out"
web/node_modules/.bin/tsc -p web/console
cp web/console/index.html web/console/console.css web/console/icon.svg "$out/"
echo "typescript $(node -p "require('./web/node_modules/typescript/package.json').version")" >"$out/VERSION"
