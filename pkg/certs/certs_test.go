package certs

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	certutil "k8s.io/client-go/util/cert"
)

// Two replicas issuing from one CA serve certificates a client trusting
// that CA accepts, and neither writes the CA's key to its disk.
func TestEnsureWithCA(t *testing.T) {
	caPEM, keyPEM, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("CA does not parse")
	}
	for _, replica := range []string{"a", "b"} {
		f := FilesIn(filepath.Join(t.TempDir(), replica))
		if err := EnsureWithCA(f, []string{"127.0.0.1", "localhost"}, caPEM, keyPEM); err != nil {
			t.Fatal(err)
		}
		serving, err := certutil.CertsFromFile(f.ServingCert)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := serving[0].Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost"}); err != nil {
			t.Fatalf("replica %s: %v", replica, err)
		}
		if _, err := os.Stat(f.CAKey); !os.IsNotExist(err) {
			t.Fatalf("replica %s wrote the CA key: %v", replica, err)
		}
	}
	if err := EnsureWithCA(FilesIn(t.TempDir()), nil, caPEM, []byte("not a key")); err == nil {
		t.Fatal("issued from a CA without a key")
	}
}
