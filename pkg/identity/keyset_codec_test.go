package identity

import (
	"errors"
	"testing"
	"time"
)

func TestKeySetSecretRoundTrip(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ks, err := NewKeySet(now, KeySetConfig{PublishAhead: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.Rotate(now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	data, err := ks.MarshalSecret()
	if err != nil {
		t.Fatal(err)
	}
	other, err := ParseKeySet(data, KeySetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if other.Current().ECKeyID() != ks.Current().ECKeyID() || other.Next().ECKeyID() != ks.Next().ECKeyID() ||
		len(other.Previous()) != 1 || other.Previous()[0].ECKeyID() != ks.Previous()[0].ECKeyID() ||
		!other.Previous()[0].RetiredAt().Equal(ks.Previous()[0].RetiredAt()) {
		t.Fatal("parsed set differs from the marshalled one")
	}
	// A token of one verifies against the other: the private keys came along.
	clock := func() time.Time { return now.Add(2 * time.Minute) }
	iss, err := NewIssuer(other, IssuerConfig{Issuer: testIssuer, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	token, err := iss.Issue(Claims{Subject: "alice", Audience: []string{testAudience}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(ks, VerifierConfig{Issuer: testIssuer, Audience: testAudience, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(token); err != nil {
		t.Fatalf("token of the parsed set does not verify on the original: %v", err)
	}
	if _, err := ParseKeySet([]byte(`{"version":2}`), KeySetConfig{}); err == nil {
		t.Fatal("parsed version 2")
	}
}

func TestRotateWithPersistsFirst(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ks, err := NewKeySet(now, KeySetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cur, next := ks.Current().ECKeyID(), ks.Next().ECKeyID()
	if err := ks.RotateWith(now, false, func([]byte) error { return nil }); !errors.Is(err, ErrRotateTooEarly) {
		t.Fatalf("unforced early rotation: %v", err)
	}
	lost := errors.New("lost the compare-and-swap")
	if err := ks.RotateWith(now, true, func([]byte) error { return lost }); !errors.Is(err, lost) {
		t.Fatalf("err = %v", err)
	}
	if ks.Current().ECKeyID() != cur {
		t.Fatal("set changed although persisting failed")
	}
	var stored []byte
	if err := ks.RotateWith(now, true, func(d []byte) error { stored = d; return nil }); err != nil {
		t.Fatal(err)
	}
	if ks.Current().ECKeyID() != next || ks.Current().NotBefore().After(now) {
		t.Fatalf("forced rotation: current %s not before %v", ks.Current().ECKeyID(), ks.Current().NotBefore())
	}
	// Another replica adopts what was stored.
	b, err := NewKeySet(now, KeySetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Adopt(stored); err != nil {
		t.Fatal(err)
	}
	if b.Current().ECKeyID() != next || b.Previous()[0].ECKeyID() != cur {
		t.Fatal("adopted set differs")
	}
	if _, ok := b.VerificationKey(cur, now); !ok {
		t.Fatal("the retired pair no longer verifies after adoption")
	}
}
