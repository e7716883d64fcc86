#!/usr/bin/env bash
# Makes test/e2e/testdata/upgrade/data.tar.gz: the data directory of the
# previous release of stax-apiserver (standalone, embedded etcd) holding the
# objects of test/e2e/testdata/upgrade/objects.yaml, and served.json: those
# objects as that release served them. TestUpgradeFromPreviousRelease starts
# the current stax-apiserver on a copy of the directory and compares.
#
#   hack/make-upgrade-fixture.sh [commit]   (default: the release in testdata/upgrade/RELEASE)
#
# The release's source comes out of git (git archive: no worktree is added),
# is built offline from its own vendor/, runs on loopback until the objects are
# stored, and is stopped with SIGTERM so etcd closes cleanly.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
fixture=$root/test/e2e/testdata/upgrade
release=${1:-$(cat "$fixture/RELEASE")}
kubectl=${KUBECTL:-kubectl}
export GOFLAGS="-mod=vendor -trimpath"

tmp=$(mktemp -d)
server=
cleanup() {
  if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "Building stax-apiserver at $release"
mkdir "$tmp/src"
git -C "$root" archive "$release" | tar -x -C "$tmp/src"
(cd "$tmp/src" && go build -o "$tmp/stax-apiserver" ./cmd/stax-apiserver)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
etcd_port=$(free_port)
data=$tmp/data
"$tmp/stax-apiserver" --data-dir="$data" --bind-address=127.0.0.1 --secure-port="$port" \
  --embedded-etcd-port="$etcd_port" --controllers= --runtime=none >"$tmp/server.log" 2>&1 &
server=$!
export KUBECONFIG=$data/admin.kubeconfig
for _ in $(seq 1 600); do
  if [[ -f $KUBECONFIG ]] && [[ $("$kubectl" get --raw /readyz 2>/dev/null) == ok ]]; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then cat "$tmp/server.log"; exit 1; fi
  sleep 0.2
done
sed "s/EXPIRES_IN_AN_HOUR/$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)/" "$fixture/objects.yaml" | "$kubectl" apply -f -
# What the release serves of them, for the test to compare with.
resources=$("$kubectl" api-resources --api-group=stax.microstax.ai --verbs=list -o name | paste -sd, -)
"$kubectl" get "$resources" -A -o json >"$tmp/served.json"
kill -TERM "$server"
wait "$server" || true
server=

# What the new server must read: etcd and the keys and certificates it was
# written with. Logs are not part of it.
rm -f "$data"/*.log
tar -C "$data" -czf "$fixture/data.tar.gz" .
cp "$tmp/served.json" "$fixture/served.json"
echo "$release" >"$fixture/RELEASE"
echo "Wrote $fixture/data.tar.gz ($(du -h "$fixture/data.tar.gz" | cut -f1)) from $release"
