package identity

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestThumbprintsAreCanonical(t *testing.T) {
	now := time.Now()
	kp, err := GenerateKeyPair(now, now)
	if err != nil {
		t.Fatal(err)
	}
	x, y, err := ecPoint(kp.ECPublicKey())
	if err != nil {
		t.Fatal(err)
	}
	// json.Marshal of a map sorts member names and emits no whitespace.
	ecCanon, _ := json.Marshal(map[string]string{"kty": "EC", "crv": "P-256", "x": x, "y": y})
	sum := sha256.Sum256(ecCanon)
	if b64.EncodeToString(sum[:]) != kp.ECKeyID() {
		t.Fatal("EC kid is not SHA-256 of the canonical JWK")
	}
	akpCanon, _ := json.Marshal(map[string]string{"pub": b64.EncodeToString(kp.MLDSAPublicKey().Bytes()), "kty": "AKP", "alg": "ML-DSA-65"})
	sum = sha256.Sum256(akpCanon)
	if b64.EncodeToString(sum[:]) != kp.PQKeyID() {
		t.Fatal("ML-DSA kid is not SHA-256 of the canonical AKP JWK")
	}
	if !isThumbprint(kp.ECKeyID()) || !isThumbprint(kp.PQKeyID()) {
		t.Fatal("kids must be 43 base64url characters")
	}
}

func TestKeyPairPersistRoundTrip(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	kp, err := GenerateKeyPair(now, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pair")
	if err := SaveKeyPair(dir, kp); err != nil {
		t.Fatal(err)
	}
	seed, err := os.ReadFile(filepath.Join(dir, pqSeedFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(seed) != 32 || !bytes.Equal(seed, kp.pqPriv.Seed()) {
		t.Fatalf("ML-DSA file must hold exactly the 32-byte seed, has %d bytes", len(seed))
	}
	for _, name := range []string{ecKeyFile, pqSeedFile, keyMetaFile} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("%s has mode %v, want 0600", name, st.Mode().Perm())
		}
	}
	back, err := LoadKeyPair(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.ECKeyID() != kp.ECKeyID() || back.PQKeyID() != kp.PQKeyID() {
		t.Fatal("kids changed across save/load")
	}
	if !back.CreatedAt().Equal(kp.CreatedAt()) || !back.NotBefore().Equal(kp.NotBefore()) {
		t.Fatal("times changed across save/load")
	}
	if !back.MLDSAPublicKey().Equal(kp.MLDSAPublicKey()) {
		t.Fatal("ML-DSA key not re-derived from seed")
	}

	// A seed swapped under the metadata must be noticed.
	other, _ := GenerateKeyPair(now, now)
	if err := os.WriteFile(filepath.Join(dir, pqSeedFile), other.pqSeed[:], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyPair(dir); err == nil {
		t.Fatal("loaded a pair whose seed does not match its recorded kid")
	}
	if err := os.WriteFile(filepath.Join(dir, pqSeedFile), append(kp.pqSeed[:], 0), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyPair(dir); err == nil {
		t.Fatal("loaded a 33-byte seed")
	}
}
