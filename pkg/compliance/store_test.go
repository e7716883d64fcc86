package compliance

import (
	"context"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/microstax/stax/pkg/etcd"
)

// TestEtcdStoreAddsFromReplicas: two replicas (two clients) adding to the
// same bucket at once lose nothing; a window reads only its organization's
// hours; each key lives on a lease that ends a retention after its hour.
func TestEtcdStoreAddsFromReplicas(t *testing.T) {
	member, err := etcd.Start(etcd.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(member.Close)
	newStore := func() (*EtcdStore, *clientv3.Client) {
		c, err := clientv3.New(clientv3.Config{Endpoints: []string{member.ClientURL()}, DialTimeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return NewEtcdStore(c, "/registry/test/compliancecounters"), c
	}
	a, client := newStore()
	b, _ := newStore()
	ctx := context.Background()
	hour := HourOf(time.Now())
	var wg sync.WaitGroup
	for _, s := range []*EtcdStore{a, b} {
		wg.Add(1)
		go func(s *EtcdStore) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				if err := s.Add(ctx, "acme", hour, Bucket{Requests: 2, DualSigned: 1, Mutating: 1}); err != nil {
					t.Error(err)
					return
				}
			}
		}(s)
	}
	wg.Wait()
	_ = a.Add(ctx, "acme", hour.Add(-2*BucketLength), Bucket{Requests: 1000})
	_ = a.Add(ctx, "acmex", hour, Bucket{Requests: 1000}) // a name that extends acme's
	_ = a.Add(ctx, "acme", hour.Add(-Retention-2*BucketLength), Bucket{Requests: 1000})

	got, err := b.Read(ctx, "acme", hour.Add(-time.Hour), hour)
	if err != nil {
		t.Fatal(err)
	}
	if got.Requests != 100 || got.DualSigned != 50 || got.Mutating != 50 {
		t.Errorf("two replicas' 50 adds: %+v", got)
	}
	if all, _ := b.Read(ctx, "acme", hour.Add(-Retention), hour); all.Requests != 1100 {
		t.Errorf("the retention's window: %d requests, want 1100 (the hour past it is not stored)", all.Requests)
	}
	resp, err := client.Get(ctx, a.key("acme", hour))
	if err != nil || len(resp.Kvs) != 1 || resp.Kvs[0].Lease == 0 {
		t.Fatalf("key %v %v", resp, err)
	}
	ttl, err := client.TimeToLive(ctx, clientv3.LeaseID(resp.Kvs[0].Lease))
	if err != nil {
		t.Fatal(err)
	}
	if max := int64((Retention + BucketLength).Seconds()); ttl.GrantedTTL > max || ttl.GrantedTTL < int64(Retention.Seconds()) {
		t.Errorf("lease of %ds, want between the retention and an hour more", ttl.GrantedTTL)
	}
}
