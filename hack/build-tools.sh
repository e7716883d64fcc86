#!/usr/bin/env bash
# Builds the control-plane tools of hack/tools into _output/tools/bin: the
# real etcd server with etcdctl and etcdutl (from etcd's own main packages,
# the version the product's go.mod names), kube-apiserver, and with --all
# also kube-controller-manager, kube-scheduler and kwok. The first build of kube-apiserver takes minutes;
# later ones come from the Go build cache in seconds.
#
#   hack/build-tools.sh            # etcd, etcdctl, etcdutl + kube-apiserver
#   hack/build-tools.sh --all      # also kube-controller-manager, kube-scheduler
#                                  # and kwok (hack/tools/kwok), what the e2e needs
set -o errexit -o nounset -o pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${TOOLS_BIN:-${root}/_output/tools/bin}"
mkdir -p "${out}"

# hack/tools is not vendored: the main module's GOFLAGS=-mod=vendor must not
# leak in here, and the module cache serves the Kubernetes sources.
export GOFLAGS=-mod=mod
export GOWORK=off

pkgs=(k8s.io/kubernetes/cmd/kube-apiserver)
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
# etcd's main packages live at module paths ending in /v3: name each binary.
go build -o "${out}/etcd" go.etcd.io/etcd/server/v3
go build -o "${out}/etcdctl" go.etcd.io/etcd/etcdctl/v3
go build -o "${out}/etcdutl" go.etcd.io/etcd/etcdutl/v3
for p in "${pkgs[@]}"; do
  echo "building ${p}" >&2
  go build -ldflags "${ldflags}" -o "${out}/" "${p}"
done

# kwok pins older k8s.io/* than the Kubernetes staging replaces above allow,
# so it has a module of its own. It ships no default Stages in the binary:
# gather the ones kwokctl uses (nodes Ready, pods Running and Ready, deleted
# pods removed) from its module into one --config file.
if [[ "${1:-}" == "--all" ]]; then
  cd "${root}/hack/tools/kwok"
  echo "building sigs.k8s.io/kwok/cmd/kwok" >&2
  go build -o "${out}/" sigs.k8s.io/kwok/cmd/kwok
  src="$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage"
  stages="${out}/../kwok-default-stages.yaml"
  : > "${stages}.tmp"
  for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    cat "${src}/${f}" >> "${stages}.tmp"
    echo "---" >> "${stages}.tmp"
  done
  mv "${stages}.tmp" "${stages}"
fi
