package kek

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func key(t *testing.T, b byte) *Key {
	t.Helper()
	k, err := New(bytes.Repeat([]byte{b}, Size))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := key(t, 1)
	secret := []byte("-----BEGIN PRIVATE KEY-----")
	sealed := k.Seal(secret, []byte("/a"))
	if bytes.Contains(sealed, secret) {
		t.Fatal("sealed value holds the plaintext")
	}
	got, err := k.Open(sealed, []byte("/a"))
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(sealed, []byte("/b")); err == nil {
		t.Fatal("opened under another context")
	}
	tampered := append([]byte{}, sealed...)
	tampered[len(tampered)-1] ^= 1
	if _, err := k.Open(tampered, []byte("/a")); err == nil {
		t.Fatal("opened a tampered value")
	}
	if _, err := k.Open(secret, []byte("/a")); err == nil || !strings.Contains(err.Error(), "not sealed") {
		t.Fatalf("plaintext: %v", err)
	}
	if _, err := k.Open(sealed[:len(magic)+3], []byte("/a")); err == nil {
		t.Fatal("opened a truncated value")
	}
}

func TestWrongKeyNamesBothIDs(t *testing.T) {
	a, b := key(t, 1), key(t, 2)
	_, err := b.Open(a.Seal([]byte("x"), nil), nil)
	if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), a.ID()) || !strings.Contains(err.Error(), b.ID()) {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadEncodings(t *testing.T) {
	raw := bytes.Repeat([]byte{7}, Size)
	want := key(t, 7).ID()
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"raw":    raw,
		"base64": []byte(base64.StdEncoding.EncodeToString(raw) + "\n"),
		"hex":    []byte(hex.EncodeToString(raw)),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := Load(p)
		if err != nil || k.ID() != want {
			t.Fatalf("%s: %v, %v", name, k, err)
		}
	}
	short := filepath.Join(dir, "short")
	_ = os.WriteFile(short, []byte("abc"), 0o600)
	if _, err := Load(short); err == nil {
		t.Fatal("loaded a 3-byte key")
	}
	if _, err := Load(filepath.Join(dir, "absent")); err == nil {
		t.Fatal("loaded an absent file")
	}
}
