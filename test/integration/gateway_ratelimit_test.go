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
	"k8s.io/utils/ptr"

	"github.com/microstax/stax/pkg/apis/stax"
	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// TestGatewayRateLimits: 100 requests a minute per standard organization,
// the Organization's own quota on enterprise, a tier change applied without
// a restart, and a limit per address for requests that never verified.
func TestGatewayRateLimits(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	for _, o := range []*staxv1.Organization{
		{ObjectMeta: metav1.ObjectMeta{Name: "acme"}, Spec: staxv1.OrganizationSpec{Tier: staxv1.TierStandard}},
		{ObjectMeta: metav1.ObjectMeta{Name: "globex"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "initech"}, Spec: staxv1.OrganizationSpec{Tier: staxv1.TierEnterprise, RequestsPerMinute: ptr.To[int32](150)}},
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

	// exhaust makes n requests that must pass, then one that must be refused.
	exhaust := func(c *restClient, n int) {
		t.Helper()
		for i := 1; i <= n; i++ {
			a := c.do("GET", "/v1/environments", "", "").expect(t, c.org+" within quota", 200, nil)
			if got := a.Header.Get("RateLimit-Remaining"); got != strconv.Itoa(n-i) {
				t.Fatalf("%s request %d: RateLimit-Remaining %s", c.org, i, got)
			}
		}
		a := c.do("GET", "/v1/environments", "", "").expect(t, c.org+" over quota", 429, nil)
		retry, _ := strconv.Atoi(a.Header.Get("Retry-After"))
		reset, _ := strconv.Atoi(a.Header.Get("RateLimit-Reset"))
		if a.Error.Reason != metav1.StatusReasonTooManyRequests || retry < 1 || retry > 60 || reset != retry ||
			a.Header.Get("RateLimit-Limit") != strconv.Itoa(n) || a.Header.Get("RateLimit-Remaining") != "0" {
			t.Errorf("%s over quota: %+v %v", c.org, a.Error, a.Header)
		}
	}

	exhaust(acme, stax.StandardRequestsPerMinute)
	// Another organization is unaffected.
	if a := globex.do("GET", "/v1/environments", "", "").expect(t, "globex", 200, nil); a.Header.Get("RateLimit-Remaining") != "99" {
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
}
