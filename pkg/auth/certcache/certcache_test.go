package certcache

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"slices"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/request/anonymous"
	"k8s.io/apiserver/pkg/authentication/request/headerrequest"
	unionauth "k8s.io/apiserver/pkg/authentication/request/union"
	x509request "k8s.io/apiserver/pkg/authentication/request/x509"
)

// fakeClock is a clock.PassiveClock that moves only when told.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time                  { return c.now }
func (c *fakeClock) Since(t time.Time) time.Duration { return c.now.Sub(t) }
func (c *fakeClock) Step(d time.Duration)            { c.now = c.now.Add(d) }

type issuer struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var serial int64

func newCert(t *testing.T, parent *issuer, cn string, orgs []string, notAfter time.Time) *issuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	signer, signerKey := tmpl, key
	if parent == nil { // a CA
		tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage, tmpl.ExtKeyUsage = true, true, x509.KeyUsageCertSign, nil
	} else {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &issuer{cert: cert, key: key}
}

// counting counts the requests that reach the real authenticators.
type counting struct {
	inner authenticator.Request
	calls int
}

func (c *counting) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	c.calls++
	return c.inner.AuthenticateRequest(req)
}

func request(cert *issuer, header http.Header) *http.Request {
	req := &http.Request{Header: http.Header{}, TLS: &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert.cert}}}
	for k, v := range header {
		req.Header[http.CanonicalHeaderKey(k)] = v
	}
	return req
}

func TestCachesWhatTheRealAuthenticatorsDecide(t *testing.T) {
	now := time.Now()
	clk := &fakeClock{now: now}
	year := now.Add(365 * 24 * time.Hour)
	clientCA := newCert(t, nil, "client-ca", nil, year)
	proxyCA := newCert(t, nil, "front-proxy-ca", nil, year)
	alice := newCert(t, clientCA, "alice", []string{"devs"}, year)
	bob := newCert(t, clientCA, "bob", nil, year)
	soon := newCert(t, clientCA, "soon", nil, now.Add(3*time.Second))
	proxy := newCert(t, proxyCA, "front-proxy-client", nil, year)
	mallory := newCert(t, nil, "mallory", nil, year) // self-signed: trusted by nobody

	// What the delegated authenticator builds: front proxy, then client
	// certificates, then anonymous. The verification clock is the fake one.
	pool := func(ca *issuer) x509request.VerifyOptionFunc {
		roots := x509.NewCertPool()
		roots.AddCert(ca.cert)
		return func() (x509.VerifyOptions, bool) {
			return x509.VerifyOptions{Roots: roots, CurrentTime: clk.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, true
		}
	}
	static := func(v ...string) headerrequest.StringSliceProvider { return headerrequest.StaticStringSlice(v) }
	real := &counting{inner: unionauth.NewFailOnError(unionauth.New(
		headerrequest.NewDynamicVerifyOptionsSecure(pool(proxyCA), static("front-proxy-client"),
			static("X-Remote-User"), static("X-Remote-Uid"), static("X-Remote-Group"), static("X-Remote-Extra-")),
		x509request.NewDynamic(pool(clientCA), x509request.CommonNameUserConversion),
	), anonymous.NewAuthenticator(nil))}
	a := NewWithClock(real, 16, DefaultTTL, clk)

	expect := func(req *http.Request, name string, calls int) *authenticator.Response {
		t.Helper()
		resp, ok, err := a.AuthenticateRequest(req)
		if err != nil || !ok {
			t.Fatalf("%s: ok=%v err=%v", name, ok, err)
		}
		if resp.User.GetName() != name {
			t.Errorf("authenticated %q, want %q", resp.User.GetName(), name)
		}
		if real.calls != calls {
			t.Errorf("as %s: %d calls reached the authenticators, want %d", name, real.calls, calls)
		}
		return resp
	}

	refused := func(req *http.Request, calls int) {
		t.Helper()
		if resp, ok, err := a.AuthenticateRequest(req); err == nil {
			t.Errorf("accepted as %v (ok=%v)", resp.User, ok)
		}
		if real.calls != calls {
			t.Errorf("%d calls reached the authenticators, want %d", real.calls, calls)
		}
	}

	resp := expect(request(alice, nil), "alice", 1)
	if !slices.Contains(resp.User.GetGroups(), "devs") {
		t.Errorf("groups %v", resp.User.GetGroups())
	}
	// Same chain, headers no authenticator reads: a hit.
	resp = expect(request(alice, http.Header{"Accept": {"application/json"}, "User-Agent": {"kubectl"}, "Audit-Id": {"x"}}), "alice", 1)
	if !slices.Contains(resp.User.GetGroups(), "devs") {
		t.Errorf("groups from the cache %v", resp.User.GetGroups())
	}
	expect(request(bob, nil), "bob", 2)
	// An untrusted certificate is refused, and the refusal not remembered.
	refused(request(mallory, nil), 3)
	refused(request(mallory, nil), 4)
	// No certificate: anonymous, not remembered (there is nothing to key on).
	expect(&http.Request{Header: http.Header{}}, "system:anonymous", 5)
	expect(&http.Request{Header: http.Header{}}, "system:anonymous", 6)
	// A bearer token is the token authenticators' business.
	expect(request(alice, http.Header{"Authorization": {"Bearer x"}}), "alice", 7)
	expect(request(alice, http.Header{"Authorization": {"Bearer x"}}), "alice", 8)

	// The front proxy: the user is in headers, which are part of the key
	// and are taken off the request, from the cache too.
	for i, calls := range []int{9, 9} {
		req := request(proxy, http.Header{"X-Remote-User": {"carol"}, "X-Remote-Group": {"ops"}})
		resp := expect(req, "carol", calls)
		if !slices.Contains(resp.User.GetGroups(), "ops") {
			t.Errorf("request %d: groups %v", i, resp.User.GetGroups())
		}
		if req.Header.Get("X-Remote-User") != "" || req.Header.Get("X-Remote-Group") != "" {
			t.Errorf("request %d: front-proxy headers left on the request: %v", i, req.Header)
		}
	}
	expect(request(proxy, http.Header{"X-Remote-User": {"dave"}}), "dave", 10)
	expect(request(proxy, http.Header{"X-Remote-User": {"carol"}, "X-Remote-Group": {"ops", "admins"}}), "carol", 11)
	// Alice's certificate with a forged X-Remote-User is still only Alice.
	expect(request(alice, http.Header{"X-Remote-User": {"root"}}), "alice", 12)

	// A certificate that expires within the TTL is remembered until then.
	expect(request(soon, nil), "soon", 13)
	expect(request(soon, nil), "soon", 13)
	clk.Step(4 * time.Second)
	refused(request(soon, nil), 14)
	// Everything else lasts the TTL.
	expect(request(alice, nil), "alice", 14)
	clk.Step(DefaultTTL)
	expect(request(alice, nil), "alice", 15)
}
