package identity

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// A KeySet encoded whole, secrets included, for a store that seals it
// (pkg/clusterstate keeps it in etcd under a key-encryption key).
type keySetDocV1 struct {
	Version  int          `json:"version"`
	Current  pairRecord   `json:"current"`
	Next     pairRecord   `json:"next"`
	Previous []pairRecord `json:"previous"`
}

type pairRecord struct {
	keyMeta
	EC        []byte    `json:"ec_pkcs8"`   // DER
	Seed      []byte    `json:"mldsa_seed"` // 32 bytes
	RetiredAt time.Time `json:"retired_at,omitzero"`
}

func recordOf(k *KeyPair) (pairRecord, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.ec)
	if err != nil {
		return pairRecord{}, fmt.Errorf("identity: encode EC key: %w", err)
	}
	return pairRecord{
		keyMeta: keyMeta{ECKID: k.ecKID, PQKID: k.pqKID, CreatedAt: k.createdAt, NotBefore: k.notBefore},
		EC:      der, Seed: append([]byte{}, k.pqSeed[:]...), RetiredAt: k.retiredAt,
	}, nil
}

func (r pairRecord) pair() (*KeyPair, error) {
	parsed, err := x509.ParsePKCS8PrivateKey(r.EC)
	if err != nil {
		return nil, fmt.Errorf("identity: parse EC key: %w", err)
	}
	ec, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("identity: EC key is not ECDSA")
	}
	if len(r.Seed) != mldsa65.SeedSize {
		return nil, fmt.Errorf("identity: ML-DSA seed must be %d bytes, got %d", mldsa65.SeedSize, len(r.Seed))
	}
	var seed [mldsa65.SeedSize]byte
	copy(seed[:], r.Seed)
	k, err := newKeyPair(ec, seed, r.CreatedAt, r.NotBefore)
	if err != nil {
		return nil, err
	}
	if k.ecKID != r.ECKID || k.pqKID != r.PQKID {
		return nil, errors.New("identity: key material does not match recorded kids")
	}
	if !r.RetiredAt.IsZero() {
		k = k.withRetired(r.RetiredAt)
	}
	return k, nil
}

func encodeSet(cur, next *KeyPair, prev []*KeyPair) ([]byte, error) {
	doc := keySetDocV1{Version: 1, Previous: []pairRecord{}}
	var err error
	if doc.Current, err = recordOf(cur); err != nil {
		return nil, err
	}
	if doc.Next, err = recordOf(next); err != nil {
		return nil, err
	}
	for _, p := range prev {
		r, err := recordOf(p)
		if err != nil {
			return nil, err
		}
		doc.Previous = append(doc.Previous, r)
	}
	return json.Marshal(doc)
}

func decodeSet(data []byte) (cur, next *KeyPair, prev []*KeyPair, err error) {
	var doc keySetDocV1
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, nil, fmt.Errorf("identity: parse key set: %w", err)
	}
	if doc.Version != 1 {
		return nil, nil, nil, fmt.Errorf("identity: unsupported key set version %d", doc.Version)
	}
	if cur, err = doc.Current.pair(); err != nil {
		return nil, nil, nil, err
	}
	if next, err = doc.Next.pair(); err != nil {
		return nil, nil, nil, err
	}
	for _, r := range doc.Previous {
		p, err := r.pair()
		if err != nil {
			return nil, nil, nil, err
		}
		prev = append(prev, p)
	}
	return cur, next, prev, nil
}

// MarshalSecret encodes the whole set, private keys included: seal it
// before it leaves the process.
func (ks *KeySet) MarshalSecret() ([]byte, error) {
	ks.mu.RLock()
	defer ks.mu.RUnlock()
	return encodeSet(ks.current, ks.next, ks.previous)
}

// ParseKeySet decodes a set of MarshalSecret into an in-memory set.
func ParseKeySet(data []byte, cfg KeySetConfig) (*KeySet, error) {
	cur, next, prev, err := decodeSet(data)
	if err != nil {
		return nil, err
	}
	return &KeySet{cfg: cfg.withDefaults(), current: cur, next: next, previous: prev}, nil
}

// Adopt replaces the pairs of the set with those of data (MarshalSecret of
// the same set as another replica rotated it). Issuers and verifiers built
// on ks see the new pairs at once.
func (ks *KeySet) Adopt(data []byte) error {
	cur, next, prev, err := decodeSet(data)
	if err != nil {
		return err
	}
	ks.mu.Lock()
	ks.current, ks.next, ks.previous = cur, next, prev
	ks.mu.Unlock()
	return nil
}

// RotateWith is Rotate for a set kept elsewhere: it computes the rotated
// set, hands its encoding to persist (a compare-and-swap, say) and changes
// the in-memory set only if persist succeeded. force skips the wait for the
// next pair's NotBefore: an operator's rotation after a key is exposed.
func (ks *KeySet) RotateWith(now time.Time, force bool, persist func(data []byte) error) error {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if !force && now.Before(ks.next.notBefore) {
		return ErrRotateTooEarly
	}
	cur, next, prev, _, err := ks.rotated(now)
	if err != nil {
		return err
	}
	data, err := encodeSet(cur, next, prev)
	if err != nil {
		return err
	}
	if err := persist(data); err != nil {
		return err
	}
	ks.current, ks.next, ks.previous = cur, next, prev
	return nil
}

// rotated is the set after a rotation at now, and the pairs it drops.
// Call with ks.mu held.
func (ks *KeySet) rotated(now time.Time) (cur, next *KeyPair, prev, dropped []*KeyPair, err error) {
	newNext, err := GenerateKeyPair(now, now.Add(ks.cfg.PublishAhead))
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cur = ks.next
	if cur.notBefore.After(now) {
		cur = cur.withNotBefore(now) // a forced rotation: it signs from now
	}
	prev = []*KeyPair{ks.current.withRetired(now)}
	for _, p := range ks.previous {
		if ks.stillPublished(p, now) {
			prev = append(prev, p)
		} else {
			dropped = append(dropped, p)
		}
	}
	return cur, newNext, prev, dropped, nil
}

// ErrNoKeySet is returned by ReadKeySetDir for a directory without a set.
var ErrNoKeySet = errNoKeySet

// ReadKeySetDir reads the set a single server kept in dir (OpenKeySet)
// in the encoding of MarshalSecret, to import it into a shared store.
func ReadKeySetDir(dir string) ([]byte, error) {
	ks, err := loadKeySet(dir, KeySetConfig{}.withDefaults())
	if err != nil {
		return nil, err
	}
	return ks.MarshalSecret()
}
