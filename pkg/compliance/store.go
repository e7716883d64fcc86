package compliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Store keeps buckets where every replica of the server adds to them.
type Store interface {
	// Add adds delta to org's bucket of hour.
	Add(ctx context.Context, org string, hour time.Time, delta Bucket) error
	// Read sums org's buckets of the hours from from's to to's.
	Read(ctx context.Context, org string, from, to time.Time) (Bucket, error)
}

// keyHour names a bucket's hour in its key: fixed width, so keys sort by
// time and a window is one range read.
const keyHour = "2006010215"

// EtcdStore keeps one key per organization and hour,
// <prefix><org>/<yyyymmddhh>, a JSON Bucket. Replicas add to it with a
// compare-and-swap on its revision; it lives on a lease that ends
// Retention after its hour, so nothing has to clean up.
type EtcdStore struct {
	client *clientv3.Client
	prefix string
	now    func() time.Time

	mu     sync.Mutex
	leases map[time.Time]clientv3.LeaseID
}

var _ Store = &EtcdStore{}

// NewEtcdStore keeps buckets under prefix (a trailing "/" is added).
func NewEtcdStore(client *clientv3.Client, prefix string) *EtcdStore {
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return &EtcdStore{client: client, prefix: prefix, now: time.Now, leases: map[time.Time]clientv3.LeaseID{}}
}

func (s *EtcdStore) key(org string, hour time.Time) string {
	return s.prefix + org + "/" + HourOf(hour).Format(keyHour)
}

// Add merges delta into the stored bucket, retrying when another replica
// wrote it in between.
func (s *EtcdStore) Add(ctx context.Context, org string, hour time.Time, delta Bucket) error {
	hour = HourOf(hour)
	key := s.key(org, hour)
	for {
		lease, ok, err := s.lease(ctx, hour)
		if err != nil {
			return err
		}
		if !ok {
			return nil // older than the retention: nobody reads it
		}
		resp, err := s.client.Get(ctx, key)
		if err != nil {
			return err
		}
		var b Bucket
		var rev int64 // 0: the key does not exist
		if len(resp.Kvs) == 1 {
			if err := json.Unmarshal(resp.Kvs[0].Value, &b); err != nil {
				return fmt.Errorf("compliance counters %s: %w", key, err)
			}
			rev = resp.Kvs[0].ModRevision
		}
		b.Add(delta)
		data, err := json.Marshal(b)
		if err != nil {
			return err
		}
		txn, err := s.client.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", rev)).
			Then(clientv3.OpPut(key, string(data), clientv3.WithLease(lease))).Commit()
		if errors.Is(err, rpctypes.ErrLeaseNotFound) {
			s.forgetLease(hour)
			continue
		}
		if err != nil {
			return err
		}
		if txn.Succeeded {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// lease is the lease of hour's keys, granted on first use; false when
// the hour is past the retention.
func (s *EtcdStore) lease(ctx context.Context, hour time.Time) (clientv3.LeaseID, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.leases[hour]; ok {
		return id, true, nil
	}
	now := s.now()
	ttl := int64(hour.Add(BucketLength + Retention).Sub(now).Seconds())
	if ttl <= 0 {
		return 0, false, nil
	}
	resp, err := s.client.Grant(ctx, ttl)
	if err != nil {
		return 0, false, err
	}
	for h := range s.leases {
		if h.Add(BucketLength + Retention).Before(now) {
			delete(s.leases, h)
		}
	}
	s.leases[hour] = resp.ID
	return resp.ID, true, nil
}

func (s *EtcdStore) forgetLease(hour time.Time) {
	s.mu.Lock()
	delete(s.leases, hour)
	s.mu.Unlock()
}

// Read sums the buckets of the hours from from's to to's in one range read.
func (s *EtcdStore) Read(ctx context.Context, org string, from, to time.Time) (Bucket, error) {
	resp, err := s.client.Get(ctx, s.key(org, from), clientv3.WithRange(s.key(org, HourOf(to).Add(BucketLength))))
	if err != nil {
		return Bucket{}, err
	}
	var sum Bucket
	for _, kv := range resp.Kvs {
		var b Bucket
		if err := json.Unmarshal(kv.Value, &b); err != nil {
			return Bucket{}, fmt.Errorf("compliance counters %s: %w", kv.Key, err)
		}
		sum.Add(b)
	}
	return sum, nil
}

// MemoryStore keeps buckets in memory: one server's, for tests.
type MemoryStore struct {
	mu      sync.Mutex
	buckets map[string]map[time.Time]Bucket
}

var _ Store = &MemoryStore{}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{buckets: map[string]map[time.Time]Bucket{}}
}

// Add adds delta to org's bucket of hour.
func (s *MemoryStore) Add(_ context.Context, org string, hour time.Time, delta Bucket) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[org] == nil {
		s.buckets[org] = map[time.Time]Bucket{}
	}
	b := s.buckets[org][HourOf(hour)]
	b.Add(delta)
	s.buckets[org][HourOf(hour)] = b
	return nil
}

// Read sums org's buckets of the hours from from's to to's.
func (s *MemoryStore) Read(_ context.Context, org string, from, to time.Time) (Bucket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum Bucket
	for h, b := range s.buckets[org] {
		if !h.Before(HourOf(from)) && !h.After(HourOf(to)) {
			sum.Add(b)
		}
	}
	return sum, nil
}
