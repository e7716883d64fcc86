#!/usr/bin/env bash
# Fails when generated code is stale: regenerates into a scratch copy of the
# repository and diffs it against the working tree.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "${SCRATCH}"' EXIT

# Copy the tracked and new files (vendor included) so the generators run
# offline on the same inputs.
(cd "${ROOT}" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "${SCRATCH}")
(cd "${SCRATCH}" && ./hack/update-codegen.sh >/dev/null)

status=0
# vendor/ is diffed too: a generator must never write there.
for path in pkg vendor hack/api-rules-violations.list; do
  diff -Naupr "${ROOT}/${path}" "${SCRATCH}/${path}" || status=1
done
if [[ ${status} -ne 0 ]]; then
  echo "Generated code is out of date: run hack/update-codegen.sh" >&2
  exit 1
fi
echo "Generated code is up to date."
