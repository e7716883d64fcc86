package integration

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/microstax/stax/pkg/apis/stax"
	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/gateway"
)

// TestGatewayRateLimits: 100 requests a minute per standard organization,
// the Organization's own quota on enterprise, a tier change applied without
// a restart — all counted by the apiserver, each call the gateway makes
// for a /v1 request counting once, and relayed — and a limit per address
// for requests that never verified, which locks out no valid token.
func TestGatewayRateLimits(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	for _, o := range []*staxv1.Organization{
		{ObjectMeta: metav1.ObjectMeta{Name: "acme"}, Spec: staxv1.OrganizationSpec{Tier: staxv1.TierStandard}},
		{ObjectMeta: metav1.ObjectMeta{Name: "globex"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "initech"}, Spec: staxv1.OrganizationSpec{Tier: staxv1.TierEnterprise, RequestsPerMinute: ptr.To[int32](150)}},
		{ObjectMeta: metav1.ObjectMeta{Name: "hooli"}},
	} {
		if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, o, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	base := startGateway(t, s)
	client := func(org string) *restClient {
		return &restClient{t: t, base: base, token: mintWithCLI(t, s, org, "u-"+org), org: org, http: &http.Client{Timeout: time.Minute}}
	}
	acme, globex, initech := client("acme"), client("globex"), client("initech")

	// exhaust makes requests until the apiserver refuses one: each GET
	// /v1/organization is one apiserver call, the first of a token one more
	// (the IdentityReview of its token), and the answers count down by as
	// much; then 429 with Retry-After, relayed.
	exhaust := func(c *restClient, n int) {
		t.Helper()
		left := n
		for i := 0; left > 0; i++ {
			a := c.do("GET", "/v1/organization", "", "").expect(t, c.org+" within quota", 200, nil)
			cost := 1
			if i == 0 {
				cost = 2
			}
			if got := a.Header.Get("RateLimit-Remaining"); got != strconv.Itoa(left-cost) || a.Header.Get("RateLimit-Limit") != strconv.Itoa(n) {
				t.Fatalf("%s request %d: RateLimit-Remaining %s (limit %s), want %d", c.org, i+1, got, a.Header.Get("RateLimit-Limit"), left-cost)
			}
			left -= cost
		}
		a := c.do("GET", "/v1/organization", "", "").expect(t, c.org+" over quota", 429, nil)
		retry, _ := strconv.Atoi(a.Header.Get("Retry-After"))
		reset, _ := strconv.Atoi(a.Header.Get("RateLimit-Reset"))
		if a.Error.Reason != metav1.StatusReasonTooManyRequests || retry < 1 || retry > 60 || reset != retry ||
			a.Header.Get("RateLimit-Limit") != strconv.Itoa(n) || a.Header.Get("RateLimit-Remaining") != "0" {
			t.Errorf("%s over quota: %+v %v", c.org, a.Error, a.Header)
		}
	}

	exhaust(acme, stax.StandardRequestsPerMinute)
	// Another organization is unaffected.
	if a := globex.do("GET", "/v1/organization", "", "").expect(t, "globex", 200, nil); a.Header.Get("RateLimit-Remaining") != "98" {
		t.Errorf("globex: %v", a.Header)
	}
	exhaust(initech, 150)

	// Moving globex to enterprise takes effect without a restart.
	patch := []byte(`{"spec":{"tier":"enterprise","requestsPerMinute":1000}}`)
	if _, err := s.Client.StaxV1alpha1().Organizations().Patch(ctx, "globex", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		a := globex.do("GET", "/v1/organization", "", "").expect(t, "globex after the change", 200, nil)
		return a.Header.Get("RateLimit-Limit") == "1000", nil
	})
	if err != nil {
		t.Fatalf("the tier change never applied")
	}

	// Requests refused before their token verified count per address.
	anonymous := &restClient{t: t, base: base, org: "acme", http: acme.http}
	for i := 0; i < 60; i++ {
		anonymous.do("GET", "/v1/organization", "", "").expect(t, "no token", 401, nil)
	}
	a := anonymous.do("GET", "/v1/organization", "", "").expect(t, "no token over quota", 429, nil)
	if a.Header.Get("Retry-After") == "" || a.Header.Get("RateLimit-Limit") != "60" {
		t.Errorf("address quota: %v", a.Header)
	}
	// Verified callers are counted by organization, not address.
	globex.do("GET", "/v1/organization", "", "").expect(t, "globex verified", 200, nil)
	// The lockout: junk from this address does not refuse a token it never
	// saw before, which verifies; its organization's count applies.
	a = client("hooli").do("GET", "/v1/organization", "", "").expect(t, "a new valid token from a locked-out address", 200, nil)
	if a.Header.Get("RateLimit-Limit") != "100" {
		t.Errorf("a new valid token: %v", a.Header)
	}
	// A forged token from that address is still refused for the address.
	forged := *globex
	forged.token = globex.token[:len(globex.token)-8] + "AAAAAAAA"
	forged.do("GET", "/v1/organization", "", "").expect(t, "a bad token from a locked-out address", 429, nil)
}

// Behind a trusted reverse proxy, the unauthenticated limit counts each
// client the proxy names in X-Forwarded-For, not the proxy.
func TestGatewayUnauthenticatedLimitBehindAProxy(t *testing.T) {
	s := startInProcess(t, storeOnly)
	base := startGateway(t, s, func(c *gateway.Config) { c.TrustedProxies = []string{"127.0.0.1"} })
	do := func(client string) int {
		req, _ := http.NewRequest("GET", base+"/v1/organization", nil)
		req.Header.Set("X-Organization-ID", "acme")
		req.Header.Set("X-Forwarded-For", client)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 0; i < 60; i++ {
		if code := do("203.0.113.1"); code != 401 {
			t.Fatalf("request %d of 203.0.113.1: %d, want 401", i+1, code)
		}
	}
	if code := do("203.0.113.1"); code != 429 {
		t.Errorf("203.0.113.1 over its limit: %d, want 429", code)
	}
	if code := do("203.0.113.2"); code != 401 {
		t.Errorf("another client behind the same proxy: %d, want 401 (not locked out)", code)
	}
}

// The direct path: a token's calls straight to stax-apiserver are limited
// like the gateway's, by the apiserver itself, with the RateLimit headers.
func TestAPIServerLimitsOrganizations(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "acme"}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := rest.AnonymousClientConfig(s.Config)
	cfg.BearerToken = mintWithCLI(t, s, "acme", "alice")
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	list := func() *http.Response {
		resp, err := hc.Get(cfg.Host + "/apis/stax.microstax.ai/v1alpha1/namespaces/acme/environments")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i := 1; i <= stax.StandardRequestsPerMinute; i++ {
		resp := list()
		if resp.StatusCode != 200 || resp.Header.Get("RateLimit-Remaining") != strconv.Itoa(stax.StandardRequestsPerMinute-i) {
			t.Fatalf("request %d: %d, RateLimit-Remaining %q", i, resp.StatusCode, resp.Header.Get("RateLimit-Remaining"))
		}
	}
	resp := list()
	retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != 429 || retry < 1 || retry > 60 || resp.Header.Get("RateLimit-Remaining") != "0" {
		t.Errorf("over quota: %d %v", resp.StatusCode, resp.Header)
	}
	// Users of no organization (the admin) are not limited.
	if _, err := s.Client.StaxV1alpha1().Environments("acme").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("the admin was limited: %v", err)
	}
}
