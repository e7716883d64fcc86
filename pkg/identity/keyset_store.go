package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// On-disk layout of a KeySet directory:
//
//	keyset.json          which pair is current, next and previous
//	keys/<ec kid>/...    one SaveKeyPair directory per pair
const (
	keySetFile = "keyset.json"
	keysSubdir = "keys"
)

var errNoKeySet = errors.New("identity: no key set in directory")

type keySetFileV1 struct {
	Version  int             `json:"version"`
	Current  string          `json:"current"`
	Next     string          `json:"next"`
	Previous []retiredRecord `json:"previous"`
}

type retiredRecord struct {
	KID       string    `json:"kid"`
	RetiredAt time.Time `json:"retired_at"`
}

// save writes the pairs first and keyset.json last, so a crash leaves the
// old index pointing at complete key directories.
func (ks *KeySet) save(cur, next *KeyPair, prev []*KeyPair) error {
	idx := keySetFileV1{Version: 1, Current: cur.ecKID, Next: next.ecKID, Previous: []retiredRecord{}}
	for _, k := range []*KeyPair{cur, next} {
		if err := ks.saveIfMissing(k); err != nil {
			return err
		}
	}
	for _, p := range prev {
		if err := ks.saveIfMissing(p); err != nil {
			return err
		}
		idx.Previous = append(idx.Previous, retiredRecord{KID: p.ecKID, RetiredAt: p.retiredAt})
	}
	data, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(ks.dir, keySetFile), append(data, '\n'))
}

func (ks *KeySet) saveIfMissing(k *KeyPair) error {
	dir := filepath.Join(ks.dir, keysSubdir, k.ecKID)
	if _, err := os.Stat(filepath.Join(dir, keyMetaFile)); err == nil {
		return nil // key files never change once written
	}
	return SaveKeyPair(dir, k)
}

// removeKeyDirs deletes the secret material of pairs that left the set.
// Failure only leaves stale files behind, so it is not reported.
func (ks *KeySet) removeKeyDirs(pairs []*KeyPair) {
	for _, p := range pairs {
		_ = os.RemoveAll(filepath.Join(ks.dir, keysSubdir, p.ecKID))
	}
}

func loadKeySet(dir string, cfg KeySetConfig) (*KeySet, error) {
	data, err := os.ReadFile(filepath.Join(dir, keySetFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoKeySet
	}
	if err != nil {
		return nil, fmt.Errorf("identity: read key set: %w", err)
	}
	var idx keySetFileV1
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("identity: parse key set: %w", err)
	}
	if idx.Version != 1 {
		return nil, fmt.Errorf("identity: unsupported key set version %d", idx.Version)
	}
	ks := &KeySet{cfg: cfg, dir: dir}
	load := func(kid string) (*KeyPair, error) {
		// The kid becomes a path element: accept only thumbprint-shaped
		// names so an edited index cannot point outside the directory.
		if !isThumbprint(kid) {
			return nil, fmt.Errorf("identity: key set names malformed kid %q", kid)
		}
		k, err := LoadKeyPair(filepath.Join(dir, keysSubdir, kid))
		if err != nil {
			return nil, err
		}
		if k.ecKID != kid {
			return nil, fmt.Errorf("identity: key directory %q holds another key", kid)
		}
		return k, nil
	}
	if ks.current, err = load(idx.Current); err != nil {
		return nil, err
	}
	if ks.next, err = load(idx.Next); err != nil {
		return nil, err
	}
	for _, r := range idx.Previous {
		k, err := load(r.KID)
		if err != nil {
			return nil, err
		}
		ks.previous = append(ks.previous, k.withRetired(r.RetiredAt))
	}
	return ks, nil
}

// isThumbprint reports whether s looks like a base64url SHA-256 digest.
func isThumbprint(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}
