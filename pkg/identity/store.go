package identity

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// File names inside one key pair directory.
const (
	ecKeyFile   = "ec.pem"     // PKCS#8 "PRIVATE KEY"
	pqSeedFile  = "mldsa.seed" // exactly the 32-byte ML-DSA-65 seed, raw
	keyMetaFile = "meta.json"
)

// keyMeta records the non-secret facts of a pair. The kids are stored so a
// load can detect a key file swapped underneath them.
type keyMeta struct {
	ECKID     string    `json:"ec_kid"`
	PQKID     string    `json:"pq_kid"`
	CreatedAt time.Time `json:"created_at"`
	NotBefore time.Time `json:"not_before"`
}

// SaveKeyPair writes k into dir (created with mode 0700, files 0600).
func SaveKeyPair(dir string, k *KeyPair) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("identity: create key dir: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.ec)
	if err != nil {
		return fmt.Errorf("identity: encode EC key: %w", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	meta, err := json.MarshalIndent(keyMeta{
		ECKID: k.ecKID, PQKID: k.pqKID, CreatedAt: k.createdAt, NotBefore: k.notBefore,
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, ecKeyFile), pemBytes); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, pqSeedFile), k.pqSeed[:]); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, keyMetaFile), append(meta, '\n'))
}

// LoadKeyPair reads a pair written by SaveKeyPair, re-deriving the ML-DSA
// key from its seed and checking both kids against the recorded ones.
func LoadKeyPair(dir string) (*KeyPair, error) {
	pemBytes, err := os.ReadFile(filepath.Join(dir, ecKeyFile))
	if err != nil {
		return nil, fmt.Errorf("identity: read EC key: %w", err)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("identity: EC key file is not a PKCS#8 PEM block")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("identity: parse EC key: %w", err)
	}
	ec, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("identity: EC key file holds a non-ECDSA key")
	}
	seedBytes, err := os.ReadFile(filepath.Join(dir, pqSeedFile))
	if err != nil {
		return nil, fmt.Errorf("identity: read ML-DSA seed: %w", err)
	}
	if len(seedBytes) != mldsa65.SeedSize {
		return nil, fmt.Errorf("identity: ML-DSA seed must be %d bytes, got %d", mldsa65.SeedSize, len(seedBytes))
	}
	var seed [mldsa65.SeedSize]byte
	copy(seed[:], seedBytes)
	metaBytes, err := os.ReadFile(filepath.Join(dir, keyMetaFile))
	if err != nil {
		return nil, fmt.Errorf("identity: read key metadata: %w", err)
	}
	var meta keyMeta
	if err := json.Unmarshal(metaBytes, &meta); err != nil {
		return nil, fmt.Errorf("identity: parse key metadata: %w", err)
	}
	k, err := newKeyPair(ec, seed, meta.CreatedAt, meta.NotBefore)
	if err != nil {
		return nil, err
	}
	if k.ecKID != meta.ECKID || k.pqKID != meta.PQKID {
		return nil, errors.New("identity: key files do not match recorded kids")
	}
	return k, nil
}

// writeFileAtomic replaces path so readers never see a half-written key.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("identity: write %s: %w", filepath.Base(path), err)
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("identity: write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(name, path)
}
