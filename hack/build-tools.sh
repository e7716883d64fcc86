#!/usr/bin/env bash
# Builds the control-plane tools of hack/tools (kube-apiserver, and with
# --all also kube-controller-manager and kube-scheduler, plus an etcd server)
# into _output/tools/bin. The first build of kube-apiserver takes minutes;
# later ones come from the Go build cache in seconds.
#
#   hack/build-tools.sh            # etcd + kube-apiserver (what the e2e needs)
#   hack/build-tools.sh --all      # also kube-controller-manager, kube-scheduler
set -o errexit -o nounset -o pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${TOOLS_BIN:-${root}/_output/tools/bin}"
mkdir -p "${out}"

# hack/tools is not vendored: the main module's GOFLAGS=-mod=vendor must not
# leak in here, and the module cache serves the Kubernetes sources.
export GOFLAGS=-mod=mod
export GOWORK=off

pkgs=(./cmd/etcd k8s.io/kubernetes/cmd/kube-apiserver)
if [[ "${1:-}" == "--all" ]]; then
  pkgs+=(k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler)
fi

cd "${root}/hack/tools"
# Stamp the release into the binaries, as Kubernetes' own build does;
# otherwise they report v0.0.0-master and kubectl warns about version skew.
version="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"
minor="${version#v1.}"; minor="${minor%%.*}"
pkg=k8s.io/component-base/version
ldflags="-X ${pkg}.gitVersion=${version} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor} -X ${pkg}.gitTreeState=clean"
for p in "${pkgs[@]}"; do
  echo "building ${p}" >&2
  go build -ldflags "${ldflags}" -o "${out}/" "${p}"
done
