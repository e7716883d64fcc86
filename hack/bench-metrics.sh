#!/usr/bin/env bash
# Saves the /metrics of the etcd, kube-apiserver and stax-apiserver that a
# running hack/bench started, every 2 s, into DIR (default
# _output/bench-metrics): each file holds the last scrape before the bench
# ended, so its counters cover the whole run. Start it beside the bench:
#
#   hack/bench-metrics.sh & _output/bin/bench --targets direct ...; kill %1
#   hack/bench-metrics.sh --summary      # the means below, from the files
#
# docs/benchmarks.md reads from it where a create's time goes: the servers'
# POST and etcd create latencies, etcd's WAL fsyncs per proposal. Loopback
# only: it finds each process's listening ports with ss and asks 127.0.0.1.
set -o nounset -o pipefail
cd "$(dirname "$0")/.."

# mean NAME FILE [LABELS]: the mean of histogram NAME in FILE, in ms, over
# the series whose labels contain LABELS, with its count.
mean() {
	awk -v n="$1" -v l="${3:-}" '
		index($0, n "_sum") == 1 && index($0, l) { s += $NF }
		index($0, n "_count") == 1 && index($0, l) { c += $NF }
		END { if (c > 0) printf "%s: %.2f ms mean of %d\n", n, 1000 * s / c, c; else printf "%s: none\n", n }' "$2"
}

if [ "${1:-}" = --summary ]; then
	out="${2:-_output/bench-metrics}"
	post='resource="environments",scope="resource",subresource="",verb="POST"'
	create='operation="create",resource="environments"'
	for name in kube-apiserver stax-apiserver; do
		echo "$name:"
		mean apiserver_request_duration_seconds "$out/$name.prom" "$post"
		mean etcd_request_duration_seconds "$out/$name.prom" "$create"
	done
	echo etcd:
	mean etcd_disk_wal_fsync_duration_seconds "$out/etcd.prom"
	mean etcd_disk_backend_commit_duration_seconds "$out/etcd.prom"
	grep '^etcd_server_proposals_committed_total' "$out/etcd.prom"
	exit 0
fi

out="${1:-_output/bench-metrics}"
pki=_output/bench/pki
mkdir -p "$out"

ports() { ss -ltnpH 2>/dev/null | grep "pid=$1," | awk '{print $4}' | sed 's/.*://'; }

while sleep 2; do
	for name in kube-apiserver stax-apiserver; do
		pid=$(pgrep -n -f "/bin/$name ") || continue
		for port in $(ports "$pid"); do
			curl -sk --max-time 2 --cert "$pki/admin.crt" --key "$pki/admin.key" \
				"https://127.0.0.1:$port/metrics" >"$out/$name.tmp" &&
				grep -q '^apiserver_request_total' "$out/$name.tmp" &&
				mv "$out/$name.tmp" "$out/$name.prom" && break
		done
	done
	pid=$(pgrep -n -f "/bin/etcd ") || continue
	for port in $(ports "$pid"); do
		curl -s --max-time 2 "http://127.0.0.1:$port/metrics" >"$out/etcd.tmp" &&
			grep -q '^etcd_disk_wal_fsync_duration_seconds_count' "$out/etcd.tmp" &&
			mv "$out/etcd.tmp" "$out/etcd.prom" && break
	done
done
