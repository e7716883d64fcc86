#!/usr/bin/env bash
# One etcd for everything: the etcd the product embeds (go.mod) and the etcd
# binary the tests, benchmarks and local control planes run (hack/tools) are
# the same release, so a test never passes against an etcd users do not get.
set -o errexit -o nounset -o pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version() { awk '$1 == "go.etcd.io/etcd/server/v3" { print $2 }' "$1"; }
product="$(version "${root}/go.mod")"
tools="$(version "${root}/hack/tools/go.mod")"
if [[ -z "${product}" || "${product}" != "${tools}" ]]; then
  echo "etcd versions differ: go.mod has '${product}', hack/tools/go.mod has '${tools}'" >&2
  exit 1
fi
