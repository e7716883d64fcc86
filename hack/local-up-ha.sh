#!/usr/bin/env bash
# Runs the local HA topology (docs/ha.md): a three-member etcd cluster,
# three stax-apiservers on it sharing one serving certificate, client CA and
# token keys (--key-encryption-key-file), two leader-elected
# stax-controller-managers, and HAProxy in TCP passthrough in front, all on
# loopback, until Ctrl-C.
# It prints the KUBECONFIG to use and each process's pid, to kill.
#
#   hack/local-up-ha.sh [--dir _output/local-up-ha] [--apiservers 3] [--controller-managers 2] [-- stax-apiserver flags]
set -o errexit -o nounset -o pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "${root}"

command -v haproxy >/dev/null || { echo "haproxy is required (Debian: apt-get install -y haproxy)" >&2; exit 1; }
hack/build-tools.sh
GOFLAGS="-mod=vendor -trimpath" go build -o _output/bin/ ./cmd/stax-apiserver ./cmd/stax-controller-manager ./hack/local-up-ha
exec _output/bin/local-up-ha "$@"
