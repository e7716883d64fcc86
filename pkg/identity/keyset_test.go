package identity

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

func jwksKids(t *testing.T, doc []byte) []string {
	t.Helper()
	var d struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range d.Keys {
		out = append(out, k.Kid)
	}
	return out
}

func TestRotationLifecycle(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, nil)
	first, next := f.keys.Current(), f.keys.Next()

	// The next key is published before it signs anything.
	ecJWKS, _ := f.keys.ECJWKS()
	if !slices.Contains(jwksKids(t, ecJWKS), next.ECKeyID()) {
		t.Fatal("next key not in EC JWKS before rotation")
	}
	akpJWKS, _ := f.keys.AKPJWKS()
	if !slices.Contains(jwksKids(t, akpJWKS), next.PQKeyID()) {
		t.Fatal("next key not in AKP JWKS before rotation")
	}
	old := f.issue(t, testClaims())
	if h, _, _ := splitToken(t, old); h.Kid != first.ECKeyID() {
		t.Fatal("token not signed by the current key")
	}

	// It may not sign before PublishAhead has passed.
	if err := f.keys.Rotate(f.clock.Now()); !errors.Is(err, ErrRotateTooEarly) {
		t.Fatalf("early rotate: %v", err)
	}
	f.clock.Advance(10 * time.Minute)
	if err := f.keys.Rotate(f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if f.keys.Current() != next {
		t.Fatal("next was not promoted")
	}
	if h, _, _ := splitToken(t, f.issue(t, testClaims())); h.Kid != next.ECKeyID() {
		t.Fatal("new tokens not signed by the promoted key")
	}
	if _, err := v.Verify(old); err != nil {
		t.Fatalf("token of the retired key refused during overlap: %s", Reason(err))
	}
	ecJWKS, _ = f.keys.ECJWKS()
	if kids := jwksKids(t, ecJWKS); len(kids) != 3 || !slices.Contains(kids, first.ECKeyID()) {
		t.Fatalf("want current, next and previous published, got %v", kids)
	}

	// Past the overlap the retired key disappears even before a prune.
	f.clock.Advance(time.Hour)
	ecJWKS, _ = f.keys.ECJWKS()
	if slices.Contains(jwksKids(t, ecJWKS), first.ECKeyID()) {
		t.Fatal("retired key still published after the overlap")
	}
	if _, err := v.Verify(old); Reason(err) != "kid is not a published key" {
		t.Fatalf("old token after overlap: %q", Reason(err))
	}
	// The next rotation drops it from the set entirely.
	if err := f.keys.Rotate(f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	for _, p := range f.keys.Previous() {
		if p.ECKeyID() == first.ECKeyID() {
			t.Fatal("expired previous key kept")
		}
	}
}

func TestIssuerCapsLifetimeAtOverlap(t *testing.T) {
	f := newFixture(t)
	c := testClaims()
	c.ExpiresAt = f.clock.Now().Add(2 * time.Hour)
	if _, err := f.issuer.Issue(c); err == nil {
		t.Fatal("issued a token outliving the overlap window")
	}
}

func TestKeySetPersistence(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	clk := newTestClock()
	cfg := KeySetConfig{Overlap: time.Hour, PublishAhead: time.Minute, Now: clk.Now}
	ks, err := OpenKeySet(dir, clk.Now(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	first := ks.Current()
	for i := 0; i < 2; i++ {
		clk.Advance(time.Minute)
		if err := ks.Rotate(clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	iss, _ := NewIssuer(ks, IssuerConfig{Issuer: testIssuer, Now: clk.Now})
	tok, err := iss.Issue(testClaims())
	if err != nil {
		t.Fatal(err)
	}

	back, err := OpenKeySet(dir, clk.Now(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(k *KeySet) []string {
		out := []string{k.Current().ECKeyID(), k.Current().PQKeyID(), k.Next().ECKeyID(), k.Next().PQKeyID()}
		for _, p := range k.Previous() {
			out = append(out, p.ECKeyID(), p.PQKeyID(), p.RetiredAt().String())
		}
		return out
	}
	if a, b := ids(ks), ids(back); !slices.Equal(a, b) {
		t.Fatalf("kids differ after reload:\n%v\n%v", a, b)
	}
	v, _ := NewVerifier(back, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Now: clk.Now})
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("token refused after reload: %s", Reason(err))
	}
	seed, err := os.ReadFile(filepath.Join(dir, keysSubdir, back.Current().ECKeyID(), pqSeedFile))
	if err != nil || len(seed) != 32 {
		t.Fatalf("seed file: %d bytes, %v", len(seed), err)
	}

	// Rotating past the overlap removes the dropped pair's files.
	clk.Advance(2 * time.Hour)
	if err := back.Rotate(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, keysSubdir, first.ECKeyID())); !os.IsNotExist(err) {
		t.Fatalf("files of a dropped pair remain: %v", err)
	}
}

func TestKeySetRefusesTamperedIndex(t *testing.T) {
	dir := t.TempDir()
	clk := newTestClock()
	if _, err := OpenKeySet(dir, clk.Now(), KeySetConfig{}); err != nil {
		t.Fatal(err)
	}
	idx := []byte(`{"version":1,"current":"../../etc","next":"x","previous":[]}`)
	if err := os.WriteFile(filepath.Join(dir, keySetFile), idx, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenKeySet(dir, clk.Now(), KeySetConfig{}); err == nil {
		t.Fatal("loaded an index with a path-like kid")
	}
}

func TestKeySetConcurrentUse(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, nil)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				c := testClaims()
				c.IssuedAt = f.clock.Now()
				c.ExpiresAt = c.IssuedAt.Add(50 * time.Minute)
				tok, err := f.issuer.Issue(c)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := v.Verify(tok); err != nil {
					t.Error(Reason(err))
				}
				_, _ = f.keys.ECJWKS()
			}
		}()
	}
	for i := 0; i < 3; i++ {
		f.clock.Advance(10 * time.Minute)
		if err := f.keys.Rotate(f.clock.Now()); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
}
