package clusterstate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/klog/v2"
)

// MemberTTL is how long a replica that stopped (or lost etcd) still counts.
const MemberTTL = 15 * time.Second

// Members is this replica's entry among the replicas sharing the etcd, and
// how many there are: an entry is an etcd key on a lease the replica keeps
// alive, so a replica that dies leaves the count within MemberTTL.
type Members struct {
	client *clientv3.Client
	prefix string
	id     string
	ttl    time.Duration
	count  atomic.Int64
}

// NewMembers names this replica among those of store's etcd.
func NewMembers(store *Store, ttl time.Duration) *Members {
	if ttl <= 0 {
		ttl = MemberTTL
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	m := &Members{client: store.client, prefix: path.Join(store.prefix, "members") + "/", id: hex.EncodeToString(b), ttl: ttl}
	m.count.Store(1)
	return m
}

// Count is the number of live replicas, this one included, as last seen.
func (m *Members) Count() int { return int(m.count.Load()) }

// Run keeps this replica's entry alive and the count fresh, every
// interval, until ctx ends; the entry is withdrawn then.
func (m *Members) Run(ctx context.Context, interval time.Duration) {
	var lease clientv3.LeaseID
	defer func() {
		if lease != 0 {
			revokeCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, _ = m.client.Revoke(revokeCtx, lease)
			cancel()
		}
	}()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		var err error
		if lease, err = m.beat(ctx, lease); err != nil && ctx.Err() == nil {
			klog.ErrorS(err, "Keeping this replica's membership")
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// beat renews (or, once lost, re-registers) the entry and counts entries.
func (m *Members) beat(ctx context.Context, lease clientv3.LeaseID) (clientv3.LeaseID, error) {
	if lease != 0 {
		if _, err := m.client.KeepAliveOnce(ctx, lease); err != nil {
			lease = 0 // expired: register again
		}
	}
	if lease == 0 {
		grant, err := m.client.Grant(ctx, int64(m.ttl/time.Second))
		if err != nil {
			return 0, err
		}
		if _, err := m.client.Put(ctx, m.prefix+m.id, "", clientv3.WithLease(grant.ID)); err != nil {
			return 0, err
		}
		lease = grant.ID
	}
	resp, err := m.client.Get(ctx, m.prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return lease, err
	}
	if resp.Count < 1 {
		return lease, fmt.Errorf("clusterstate: this replica's entry is missing")
	}
	m.count.Store(resp.Count)
	return lease, nil
}
