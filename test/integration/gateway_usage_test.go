package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// TestGatewayUsageAndPricing: GET /v1/organization/usage answers in the
// envelope for a member of the organization and refuses a bad query with
// its field; the price sheet is refused to a member (403) and set by an
// admin, and the usage prices with it; kubectl stax usage shows it.
func TestGatewayUsageAndPricing(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	member := mintWithCLI(t, s, ns, "alice")
	admin := mintWithCLI(t, s, ns, "ada", "--groups", "stax:org-admin")

	pricing := []byte(`{"spec":{"pricing":{"vcpuHour":"0.05","currency":"EUR"}}}`)
	_, err := tokenClient(t, s, member).StaxV1alpha1().Organizations().Patch(ctx, ns, types.MergePatchType, pricing, metav1.PatchOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("member sets the price sheet: want 403, got %v", err)
	}
	if _, err := tokenClient(t, s, admin).StaxV1alpha1().Organizations().Patch(ctx, ns, types.MergePatchType, pricing, metav1.PatchOptions{}); err != nil {
		t.Fatalf("admin sets the price sheet: %v", err)
	}
	bad := []byte(`{"spec":{"pricing":{"vcpuHour":"-1"}}}`)
	if _, err := tokenClient(t, s, admin).StaxV1alpha1().Organizations().Patch(ctx, ns, types.MergePatchType, bad, metav1.PatchOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("a negative price: want 422, got %v", err)
	}

	c := &restClient{t: t, base: startGateway(t, s), token: member, org: ns, http: &http.Client{Timeout: time.Minute}}
	var u staxv1.OrganizationUsage
	c.do("GET", "/v1/organization/usage?window=7d&aggregate=label:team&step=1d", "", "").expect(t, "usage", 200, &u)
	if u.Name != ns || u.Aggregate != "label:team" || u.Pricing.Currency != "EUR" || u.Pricing.VCPUHour != "0.05" ||
		u.Pricing.MemoryGiBHour != "0.004237" || u.Total.Cost != "0.000000" || len(u.Series) != 7 {
		t.Errorf("usage of an empty organization: %+v", u)
	}
	if a := c.do("GET", "/v1/organization/usage?window=forever", "", "").expect(t, "bad window", 422, nil); causeFields(a) != "window" {
		t.Errorf("bad window: causes %q", causeFields(a))
	}
	// kubectl stax usage, through real kubectl.
	expectStax(t, s.Kubeconfig, "", 0, []string{"Organization acme", "LABEL:TEAM", "TOTAL", "Forecast (EUR)", "Savings (EUR)"},
		"usage", "-n", ns, "--window", "7d", "--by", "label:team")
	expectStax(t, s.Kubeconfig, "", 1, []string{"window"}, "usage", "-n", ns, "--window", "soon")
}
