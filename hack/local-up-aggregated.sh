#!/usr/bin/env bash
# Runs a local control plane: etcd and kube-apiserver (built by
# hack/build-tools.sh) with stax-apiserver registered behind kube-apiserver's
# aggregation layer through the manifests in artifacts/aggregated. It stays
# in the foreground until Ctrl-C and prints the KUBECONFIG to use.
#
#   hack/local-up-aggregated.sh [--dir _output/local-up]
set -o errexit -o nounset -o pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "${root}"

hack/build-tools.sh
GOFLAGS="-mod=vendor -trimpath" go build -o _output/bin/ ./cmd/stax-apiserver ./hack/local-up-aggregated
exec _output/bin/local-up-aggregated --kubectl "${KUBECTL:-kubectl}" "$@"
