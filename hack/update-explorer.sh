#!/usr/bin/env bash
# Copies the explorer page's bundle from the npm package pinned in
# web/package-lock.json into pkg/gateway/explorer, where go:embed takes it,
# so go build needs no network.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."
(cd web && npm ci --no-audit --no-fund)
src=web/node_modules/swagger-ui-dist
for f in swagger-ui-bundle.js swagger-ui.css LICENSE; do
  cp "$src/$f" pkg/gateway/explorer/
done
echo "swagger-ui-dist $(node -p "require('./$src/package.json').version")" > pkg/gateway/explorer/VERSION
