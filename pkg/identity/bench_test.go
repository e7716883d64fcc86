package identity

import (
	"testing"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

func TestTokenSize(t *testing.T) {
	f := newFixture(t)
	tok := f.issue(t, testClaims())
	h, p, _ := splitToken(t, tok)
	stripped := resign(t, f.keys.Current(), tok, func(h *header) { h.PQSig, h.PQKid = "", "" })
	t.Logf("hybrid token: %d bytes (pqsig %d chars, payload segment %d chars); ES256-only: %d bytes",
		len(tok), len(h.PQSig), len(p), len(stripped))
	// ML-DSA-65 signatures are 3309 bytes: 4412 base64url characters,
	// base64url-encoded again inside the header.
	if len(h.PQSig) != 4412 {
		t.Fatalf("pqsig is %d characters", len(h.PQSig))
	}
	if len(tok) > DefaultMaxTokenSize/2 {
		t.Fatalf("token of %d bytes leaves too little room under the size limit", len(tok))
	}
}

func BenchmarkIssueHybrid(b *testing.B) {
	f := newFixture(b)
	c := testClaims()
	var size int
	for b.Loop() {
		tok, err := f.issuer.Issue(c)
		if err != nil {
			b.Fatal(err)
		}
		size = len(tok)
	}
	b.ReportMetric(float64(size), "token-bytes")
}

func BenchmarkVerifyHybrid(b *testing.B) {
	f := newFixture(b)
	tok := f.issue(b, testClaims())
	v := f.verifier(b, nil)
	for b.Loop() {
		if _, err := v.Verify(tok); err != nil {
			b.Fatal(Reason(err))
		}
	}
}

// BenchmarkVerifyES256Only is the whole verifier on a token without the
// ML-DSA proof under PolicyClassicalAllowed: everything but ML-DSA.
func BenchmarkVerifyES256Only(b *testing.B) {
	f := newFixture(b)
	tok := resign(b, f.keys.Current(), f.issue(b, testClaims()), func(h *header) { h.PQSig, h.PQKid = "", "" })
	v := f.verifier(b, func(c *VerifierConfig) { c.Policy = PolicyClassicalAllowed })
	b.ReportMetric(float64(len(tok)), "token-bytes")
	for b.Loop() {
		if _, err := v.Verify(tok); err != nil {
			b.Fatal(Reason(err))
		}
	}
}

// BenchmarkVerifyMLDSAOnly is the bare ML-DSA-65 check of one token's proof.
func BenchmarkVerifyMLDSAOnly(b *testing.B) {
	f := newFixture(b)
	kp := f.keys.Current()
	h, p, _ := splitToken(b, f.issue(b, testClaims()))
	sig, err := b64.DecodeString(h.PQSig)
	if err != nil {
		b.Fatal(err)
	}
	msg := pqSignedBytes(kp.PQKeyID(), p)
	for b.Loop() {
		if !mldsa65.Verify(kp.MLDSAPublicKey(), msg, nil, sig) {
			b.Fatal("ML-DSA verify failed")
		}
	}
}

func BenchmarkVerifyCached(b *testing.B) {
	f := newFixture(b)
	tok := f.issue(b, testClaims())
	v := f.verifier(b, func(c *VerifierConfig) {
		c.CacheSize = 1024
		c.Revoker = NewMemoryRevoker(f.clock.Now)
	})
	if _, err := v.Verify(tok); err != nil {
		b.Fatal(Reason(err))
	}
	for b.Loop() {
		if _, err := v.Verify(tok); err != nil {
			b.Fatal(Reason(err))
		}
	}
}
