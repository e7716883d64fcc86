#!/usr/bin/env bash
# Checks the web console: rebuilds it from web/console with the packages
# pinned in web/package-lock.json (npm ci) and fails if the committed build
# in pkg/gateway/console differs; then runs its browser test (TestConsole:
# headless Chromium against a real stax-apiserver and gateway; screenshots
# in _output/console/).
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:--mod=vendor -trimpath}"
hack/update-console.sh
if ! git diff --quiet -- pkg/gateway/console || [ -n "$(git ls-files --others --exclude-standard -- pkg/gateway/console)" ]; then
  git status --short -- pkg/gateway/console >&2
  echo "pkg/gateway/console is not the build of web/console: run hack/update-console.sh and commit the result" >&2
  exit 1
fi
echo "ok  pkg/gateway/console is the build of web/console"
command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
STAX_CONSOLE_BROWSER=required go test ./test/integration -run '^TestConsole$' -count=1
