package hacluster

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
)

// writeKEK writes the topology's key-encryption key.
func (t *Topology) writeKEK() error {
	t.KEKFile = filepath.Join(t.pki, "kek")
	return WriteKEK(t.KEKFile)
}

// WriteKEK writes a fresh 32-byte key-encryption key, base64, as
// docs/replicas.md makes one (head -c 32 /dev/urandom | base64).
func WriteKEK(path string) error {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600)
}
