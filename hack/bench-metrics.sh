#!/usr/bin/env bash
# Sums up what `bench --metrics DIR` saved right after its create rounds
# (default DIR: _output/bench-metrics): where a create's time goes, as
# docs/benchmarks.md reads it. For each API server, the mean time of an
# Environment POST and of the etcd create inside it; for etcd, its WAL
# fsyncs and backend commits, and the proposals they carried.
#
#   _output/bin/bench --targets direct ... --metrics _output/bench-metrics
#   hack/bench-metrics.sh _output/bench-metrics
set -o errexit -o nounset -o pipefail
dir="${1:-_output/bench-metrics}"

# mean NAME FILE [LABELS]: the mean of histogram NAME in FILE, in ms, over
# the series whose labels contain LABELS, with its count.
mean() {
	awk -v n="$1" -v l="${3:-}" '
		index($0, n "_sum") == 1 && index($0, l) { s += $NF }
		index($0, n "_count") == 1 && index($0, l) { c += $NF }
		END { if (c > 0) printf "  %s: %.2f ms mean of %d\n", n, 1000 * s / c, c; else printf "  %s: none\n", n }' "$2"
}

post='resource="environments",scope="resource",subresource="",verb="POST"'
create='operation="create",resource="environments"'
for name in kube-apiserver stax-apiserver; do
	echo "$name:"
	mean apiserver_request_duration_seconds "$dir/$name.prom" "$post"
	mean etcd_request_duration_seconds "$dir/$name.prom" "$create"
done
echo etcd:
mean etcd_disk_wal_fsync_duration_seconds "$dir/etcd.prom"
mean etcd_disk_backend_commit_duration_seconds "$dir/etcd.prom"
grep '^etcd_server_proposals_committed_total' "$dir/etcd.prom" | sed 's/^/  /'
