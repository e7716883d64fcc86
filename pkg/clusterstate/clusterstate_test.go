package clusterstate

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/microstax/stax/pkg/etcd"
	"github.com/microstax/stax/pkg/identity"
	"github.com/microstax/stax/pkg/kek"
)

// startEtcd runs a real etcd member for the test and returns a client.
func startEtcd(t *testing.T) *clientv3.Client {
	t.Helper()
	member, err := etcd.Start(etcd.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(member.Close)
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{member.ClientURL()}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

func testKEK(t *testing.T, b byte) *kek.Key {
	t.Helper()
	k, err := kek.New(bytes.Repeat([]byte{b}, kek.Size))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const prefix = "/registry/stax.microstax.ai"

func TestKeySetSharedAndSealed(t *testing.T) {
	ctx := context.Background()
	client := startEtcd(t)
	key := testKEK(t, 1)

	// Replicas starting together agree on one set.
	sets := make([]*KeySet, 4)
	var wg sync.WaitGroup
	errs := make([]error, len(sets))
	for i := range sets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sets[i], errs[i] = OpenKeySet(ctx, NewStore(client, prefix, key), "", identity.KeySetConfig{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		if sets[i].Keys().Current().ECKeyID() != sets[0].Keys().Current().ECKeyID() {
			t.Fatalf("replica %d has another current key", i)
		}
	}

	// Stored sealed: neither the DER of the private key nor the ML-DSA seed
	// appear in etcd's raw value.
	resp, err := client.Get(ctx, prefix+"/clusterstate/"+KeySetName)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("raw value: %v %v", resp, err)
	}
	raw := resp.Kvs[0].Value
	plain, _ := sets[0].Keys().MarshalSecret()
	if bytes.Contains(raw, plain[:40]) || bytes.Contains(raw, []byte("ec_pkcs8")) || bytes.Contains(raw, []byte("PRIVATE KEY")) {
		t.Fatal("the stored key set is readable in etcd")
	}
	if !bytes.HasPrefix(raw, []byte("stax-kek1:"+key.ID())) {
		t.Fatalf("raw value does not name its key: %q", raw[:30])
	}

	// A replica with another key-encryption key refuses to start, saying why.
	_, err = OpenKeySet(ctx, NewStore(client, prefix, testKEK(t, 2)), "", identity.KeySetConfig{})
	if !errors.Is(err, kek.ErrWrongKey) || !strings.Contains(err.Error(), "--key-encryption-key-file") {
		t.Fatalf("wrong KEK: %v", err)
	}

	// Every replica's rotation falling due at once rotates once, as the
	// replicas' timers do (sharedstate): not forced, at a time past the next
	// pair's NotBefore. A replica that syncs after the winner's write finds
	// the new next pair not yet due; one that synced before loses the swap.
	// (A forced rotation would rotate again on a replica that syncs late.)
	before := sets[0].Keys().Current().ECKeyID()
	next := sets[0].Keys().Next().ECKeyID()
	rotated := make([]bool, len(sets))
	now := time.Now().Add(identity.DefaultPublishAhead + time.Minute)
	for i := range sets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rotated[i], errs[i] = sets[i].Rotate(ctx, now, false)
		}()
	}
	wg.Wait()
	winners := 0
	for i := range sets {
		if errs[i] != nil && !errors.Is(errs[i], identity.ErrRotateTooEarly) {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		if rotated[i] {
			winners++
		}
		if got := sets[i].Keys().Current().ECKeyID(); got != next {
			t.Fatalf("replica %d signs with %s, want the former next %s", i, got, next)
		}
		if p := sets[i].Keys().Previous(); len(p) != 1 || p[0].ECKeyID() != before {
			t.Fatalf("replica %d: previous = %v", i, p)
		}
	}
	if winners != 1 {
		t.Fatalf("%d replicas rotated, want exactly 1", winners)
	}

	// A replica that did not rotate picks up the next rotation with Sync.
	if _, err := sets[1].Rotate(ctx, now, true); err != nil {
		t.Fatal(err)
	}
	if changed, err := sets[2].Sync(ctx); err != nil || !changed {
		t.Fatalf("Sync = %v, %v", changed, err)
	}
	if sets[2].Keys().Current().ECKeyID() != sets[1].Keys().Current().ECKeyID() {
		t.Fatal("Sync did not adopt the rotation")
	}
	if changed, err := sets[2].Sync(ctx); err != nil || changed {
		t.Fatalf("second Sync = %v, %v", changed, err)
	}
}

func TestKeySetImportedFromDataDir(t *testing.T) {
	ctx := context.Background()
	client := startEtcd(t)
	dir := t.TempDir()
	local, err := identity.OpenKeySet(dir, time.Now(), identity.KeySetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	store := NewStore(client, prefix, testKEK(t, 1))
	shared, err := OpenKeySet(ctx, store, dir, identity.KeySetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if shared.Keys().Current().ECKeyID() != local.Current().ECKeyID() {
		t.Fatal("the data directory's keys were not imported")
	}
	// Once stored, etcd wins over any other directory.
	other, err := identity.OpenKeySet(t.TempDir(), time.Now(), identity.KeySetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := OpenKeySet(ctx, store, "", identity.KeySetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Keys().Current().ECKeyID() != local.Current().ECKeyID() || again.Keys().Current().ECKeyID() == other.Current().ECKeyID() {
		t.Fatal("a later replica did not take the stored set")
	}
}

func TestCAShared(t *testing.T) {
	ctx := context.Background()
	client := startEtcd(t)
	store := NewStore(client, prefix, testKEK(t, 1))
	calls := 0
	newCA := func() (CA, error) {
		calls++
		return CA{CertPEM: []byte("cert"), KeyPEM: []byte("-----BEGIN EC PRIVATE KEY-----")}, nil
	}
	dir := t.TempDir()
	a, err := OpenCA(ctx, store, dir+"/ca.crt", dir+"/ca.key", newCA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenCA(ctx, store, dir+"/ca.crt", dir+"/ca.key", func() (CA, error) { return CA{}, errors.New("must not be called") })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || !bytes.Equal(a.CertPEM, b.CertPEM) || !bytes.Equal(a.KeyPEM, b.KeyPEM) {
		t.Fatalf("replicas got different CAs (%d made)", calls)
	}
	resp, _ := client.Get(ctx, store.Key(CAName))
	if bytes.Contains(resp.Kvs[0].Value, []byte("PRIVATE KEY")) {
		t.Fatal("the CA key is readable in etcd")
	}
}

func TestMembersCount(t *testing.T) {
	client := startEtcd(t)
	store := NewStore(client, prefix, testKEK(t, 1))
	a, b := NewMembers(store, 5*time.Second), NewMembers(store, 5*time.Second)
	ctxA, stopA := context.WithCancel(context.Background())
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	doneA := make(chan struct{})
	go func() { a.Run(ctxA, 100*time.Millisecond); close(doneA) }()
	go b.Run(ctxB, 100*time.Millisecond)
	waitFor(t, func() bool { return a.Count() == 2 && b.Count() == 2 })
	stopA()
	<-doneA // withdraws its entry
	waitFor(t, func() bool { return b.Count() == 1 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
