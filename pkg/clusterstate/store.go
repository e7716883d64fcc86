// Package clusterstate keeps what every replica of stax-apiserver must
// share in the etcd they store in, beside the resources: the token key set
// and the standalone CA, sealed with a key-encryption key (pkg/kek), each
// created once by whichever replica starts first and read by the others;
// and the replicas' membership, from which each one takes its share of the
// organizations' request limits.
package clusterstate

import (
	"context"
	"errors"
	"fmt"
	"path"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/microstax/stax/pkg/kek"
)

// Names of the values kept under <prefix>/clusterstate/.
const (
	KeySetName = "identity-keyset"
	CAName     = "standalone-ca"
)

// ErrConflict is returned by Swap when the value changed since it was read.
var ErrConflict = errors.New("clusterstate: value changed since it was read")

// Store reads and writes sealed values in etcd.
type Store struct {
	client *clientv3.Client
	prefix string
	key    *kek.Key
}

// NewStore keeps values under prefix/clusterstate (prefix is the storage
// prefix, /registry/stax.microstax.ai), sealed with key.
func NewStore(client *clientv3.Client, prefix string, key *kek.Key) *Store {
	return &Store{client: client, prefix: path.Join(prefix, "clusterstate"), key: key}
}

// Key is the etcd key of a value.
func (s *Store) Key(name string) string { return path.Join(s.prefix, name) }

// Client is the etcd client the store uses.
func (s *Store) Client() *clientv3.Client { return s.client }

// Prefix is the etcd prefix the store keeps everything under.
func (s *Store) Prefix() string { return s.prefix }

// Get returns the opened value of name and its revision; found is false
// when no replica stored it yet.
func (s *Store) Get(ctx context.Context, name string) (value []byte, rev int64, found bool, err error) {
	resp, err := s.client.Get(ctx, s.Key(name))
	if err != nil {
		return nil, 0, false, fmt.Errorf("clusterstate: read %s: %w", name, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, 0, false, nil
	}
	kv := resp.Kvs[0]
	value, err = s.open(name, kv.Value)
	return value, kv.ModRevision, true, err
}

// Create stores value as name unless a value is there already, in one
// transaction: of replicas starting together exactly one creates it. It
// returns what is stored then (value, or the other replica's) and whether
// this call created it.
func (s *Store) Create(ctx context.Context, name string, value []byte) (stored []byte, rev int64, created bool, err error) {
	k := s.Key(name)
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(k), "=", 0)).
		Then(clientv3.OpPut(k, string(s.key.Seal(value, []byte(k))))).
		Else(clientv3.OpGet(k)).Commit()
	if err != nil {
		return nil, 0, false, fmt.Errorf("clusterstate: create %s: %w", name, err)
	}
	if resp.Succeeded {
		return value, resp.Header.Revision, true, nil
	}
	kvs := resp.Responses[0].GetResponseRange().Kvs
	if len(kvs) == 0 {
		return nil, 0, false, fmt.Errorf("clusterstate: %s vanished while created", name)
	}
	stored, err = s.open(name, kvs[0].Value)
	return stored, kvs[0].ModRevision, false, err
}

// Swap replaces name with value if it is still at revision rev
// (compare-and-swap), returning the new revision, or ErrConflict.
func (s *Store) Swap(ctx context.Context, name string, value []byte, rev int64) (int64, error) {
	k := s.Key(name)
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(k), "=", rev)).
		Then(clientv3.OpPut(k, string(s.key.Seal(value, []byte(k))))).Commit()
	if err != nil {
		return 0, fmt.Errorf("clusterstate: write %s: %w", name, err)
	}
	if !resp.Succeeded {
		return 0, ErrConflict
	}
	return resp.Header.Revision, nil
}

func (s *Store) open(name string, sealed []byte) ([]byte, error) {
	value, err := s.key.Open(sealed, []byte(s.Key(name)))
	if err != nil {
		return nil, fmt.Errorf("clusterstate: open %s (is --key-encryption-key-file the one the other replicas use?): %w", name, err)
	}
	return value, nil
}
