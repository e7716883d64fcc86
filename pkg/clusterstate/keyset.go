package clusterstate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/identity"
)

// KeySet is the token key set every replica signs and verifies with, kept
// in the Store. Replicas pick up another's rotation with Sync; Rotate is a
// compare-and-swap on the stored revision, so of replicas rotating at once
// exactly one rotates and the others adopt its set.
type KeySet struct {
	store *Store
	keys  *identity.KeySet

	mu  sync.Mutex
	rev int64 // of the stored set that keys holds
}

// OpenKeySet reads the stored set, or stores one: the set of a single
// server's importDir (identity.OpenKeySet's directory) when it holds one,
// imported once, else a new set. Replicas that start together agree on
// whichever was stored first.
func OpenKeySet(ctx context.Context, store *Store, importDir string, cfg identity.KeySetConfig) (*KeySet, error) {
	data, rev, found, err := store.Get(ctx, KeySetName)
	if err != nil {
		return nil, err
	}
	if !found {
		candidate, imported, err := initialKeySet(importDir, cfg)
		if err != nil {
			return nil, err
		}
		var created bool
		if data, rev, created, err = store.Create(ctx, KeySetName, candidate); err != nil {
			return nil, err
		}
		switch {
		case created && imported:
			klog.InfoS("Imported the token key set of the data directory into etcd; etcd's copy is used from now on",
				"dir", importDir, "key", store.Key(KeySetName))
		case created:
			klog.InfoS("Stored a new token key set in etcd", "key", store.Key(KeySetName))
		}
	}
	keys, err := identity.ParseKeySet(data, cfg)
	if err != nil {
		return nil, err
	}
	return &KeySet{store: store, keys: keys, rev: rev}, nil
}

func initialKeySet(importDir string, cfg identity.KeySetConfig) (data []byte, imported bool, err error) {
	if importDir != "" {
		data, err := identity.ReadKeySetDir(importDir)
		if err == nil {
			return data, true, nil
		}
		if !errors.Is(err, identity.ErrNoKeySet) {
			return nil, false, fmt.Errorf("importing the token keys of %s: %w", importDir, err)
		}
	}
	ks, err := identity.NewKeySet(time.Now(), cfg)
	if err != nil {
		return nil, false, err
	}
	data, err = ks.MarshalSecret()
	return data, false, err
}

// Keys is the in-memory set issuers and verifiers use; Sync and Rotate
// change it in place.
func (k *KeySet) Keys() *identity.KeySet { return k.keys }

// Sync adopts the stored set if another replica changed it.
func (k *KeySet) Sync(ctx context.Context) (changed bool, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.syncLocked(ctx)
}

func (k *KeySet) syncLocked(ctx context.Context) (bool, error) {
	data, rev, found, err := k.store.Get(ctx, KeySetName)
	if err != nil {
		return false, err
	}
	if !found {
		return false, errors.New("clusterstate: the stored token key set is gone")
	}
	if rev == k.rev {
		return false, nil
	}
	if err := k.keys.Adopt(data); err != nil {
		return false, err
	}
	k.rev = rev
	return true, nil
}

// Rotate rotates the stored set at now (force: even before the next pair's
// NotBefore). If another replica rotated first, it adopts that set and
// reports rotated false: one rotation, whoever started it.
func (k *KeySet) Rotate(ctx context.Context, now time.Time, force bool) (rotated bool, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, err := k.syncLocked(ctx); err != nil {
		return false, err
	}
	var newRev int64
	err = k.keys.RotateWith(now, force, func(data []byte) error {
		newRev, err = k.store.Swap(ctx, KeySetName, data, k.rev)
		return err
	})
	if errors.Is(err, ErrConflict) {
		_, err := k.syncLocked(ctx)
		return false, err
	}
	if err != nil {
		return false, err
	}
	k.rev = newRev
	return true, nil
}
