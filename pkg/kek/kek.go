// Package kek seals secrets with a key-encryption key before they are
// stored anywhere shared (etcd): AES-256-GCM, each sealed value naming the
// id of the key that sealed it, so a replica started with another key fails
// with a message that says so instead of a bare authentication error.
package kek

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// Size is the length of a key-encryption key: AES-256.
const Size = 32

// magic starts every sealed value: format version 1.
var magic = []byte("stax-kek1:")

// idLen is the length of the key id carried in a sealed value.
const idLen = 16 // hex of 8 bytes of SHA-256 of the key

// ErrWrongKey is returned by Open for a value sealed with another key.
var ErrWrongKey = errors.New("kek: sealed with another key-encryption key")

// Key is a loaded key-encryption key.
type Key struct {
	id   string
	aead cipher.AEAD
}

// New makes a Key of exactly Size bytes.
func New(raw []byte) (*Key, error) {
	if len(raw) != Size {
		return nil, fmt.Errorf("kek: a key-encryption key is %d bytes, got %d", Size, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte("stax-kek-id:"), raw...))
	return &Key{id: hex.EncodeToString(sum[:idLen/2]), aead: aead}, nil
}

// Load reads a key file: 32 raw bytes, or their base64 (standard or URL
// alphabet) or hex, with surrounding whitespace ignored.
func Load(path string) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kek: reading key-encryption key: %w", err)
	}
	raw, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("kek: %s: %w", path, err)
	}
	return New(raw)
}

func decode(data []byte) ([]byte, error) {
	if len(data) == Size {
		return data, nil
	}
	text := string(bytes.TrimSpace(data))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(text); err == nil && len(raw) == Size {
			return raw, nil
		}
	}
	if raw, err := hex.DecodeString(text); err == nil && len(raw) == Size {
		return raw, nil
	}
	return nil, fmt.Errorf("want %d bytes, raw or as base64 or hex (e.g. `head -c 32 /dev/urandom | base64`)", Size)
}

// ID names the key without revealing it.
func (k *Key) ID() string { return k.id }

// Seal encrypts plaintext bound to context (say, the etcd key it is stored
// under), so a sealed value copied elsewhere does not open.
func (k *Key) Seal(plaintext, context []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	out := append(append(append([]byte{}, magic...), k.id...), nonce...)
	return k.aead.Seal(out, nonce, plaintext, context)
}

// Open decrypts a value of Seal under the same context.
func (k *Key) Open(sealed, context []byte) ([]byte, error) {
	if !bytes.HasPrefix(sealed, magic) {
		return nil, errors.New("kek: value is not sealed (no stax-kek1 header)")
	}
	rest := sealed[len(magic):]
	if len(rest) < idLen+k.aead.NonceSize() {
		return nil, errors.New("kek: sealed value is truncated")
	}
	if id := string(rest[:idLen]); id != k.id {
		return nil, fmt.Errorf("%w: the value names key %s, this key is %s", ErrWrongKey, id, k.id)
	}
	rest = rest[idLen:]
	nonce, ct := rest[:k.aead.NonceSize()], rest[k.aead.NonceSize():]
	plain, err := k.aead.Open(nil, nonce, ct, context)
	if err != nil {
		return nil, errors.New("kek: sealed value does not authenticate (altered, or moved from another place)")
	}
	return plain, nil
}
