package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/auth"
)

// TestGatewayDriftPolicy: PATCH /v1/organization/drift-policy takes the
// policy object: a member is refused (403), an admin's policy is merged,
// defaulted and answered; a bad one is a 422 naming its field.
func TestGatewayDriftPolicy(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	base := startGateway(t, s)
	hc := &http.Client{Timeout: time.Minute}
	member := &restClient{t: t, base: base, token: mintWithCLI(t, s, ns, "alice"), org: ns, http: hc}
	admin := &restClient{t: t, base: base, token: mintWithCLI(t, s, ns, "ada", "--groups", auth.OrganizationAdminClaim), org: ns, http: hc}
	const path = "/v1/organization/drift-policy"

	a := member.in(t).do("PATCH", path, "application/json", `{"mode":"detect"}`).expect(t, "member", 403, nil)
	if a.Error.Reason != metav1.StatusReasonForbidden {
		t.Errorf("member: %+v", a.Error)
	}
	var p staxv1.DriftPolicy
	admin.in(t).do("PATCH", path, "application/json", `{"mode":"detect","ignore":[{"services":["db"]}]}`).expect(t, "admin", 200, &p)
	if p.Mode != staxv1.DriftDetect || p.GracePeriod == nil || p.GracePeriod.Duration != time.Minute || len(p.Ignore) != 1 {
		t.Errorf("admin's policy: %+v", p)
	}
	// A merge: the grace changes, the rest stays; YAML works too.
	admin.in(t).do("PATCH", path, "application/yaml", "gracePeriod: 30s\n").expect(t, "admin, YAML", 200, &p)
	if p.Mode != staxv1.DriftDetect || p.GracePeriod.Duration != 30*time.Second || len(p.Ignore) != 1 {
		t.Errorf("merged policy: %+v", p)
	}
	org, err := s.Client.StaxV1alpha1().Organizations().Get(ctx, ns, metav1.GetOptions{})
	if err != nil || org.Spec.DriftPolicy.GracePeriod.Duration != 30*time.Second {
		t.Errorf("stored: %+v %v", org.Spec.DriftPolicy, err)
	}

	for _, tc := range []struct{ body, field string }{
		{`{"mode":"heal"}`, "spec.driftPolicy.mode"},
		{`{"ignore":[{"fields":["colour"]}]}`, "spec.driftPolicy.ignore[0].fields[0]"},
	} {
		a := admin.in(t).do("PATCH", path, "application/json", tc.body).expect(t, tc.body, 422, nil)
		if a.Error.Details == nil || len(a.Error.Details.Causes) == 0 || a.Error.Details.Causes[0].Field != tc.field {
			t.Errorf("%s: want a cause on %s, got %+v", tc.body, tc.field, a.Error)
		}
	}
	a = admin.in(t).do("PATCH", path, "application/json", `{"mode":"detect","colour":"blue"}`).expect(t, "unknown field", 422, nil)
	if c := a.Error.Details.Causes; len(c) != 1 || c[0].Field != "spec.driftPolicy" || !strings.Contains(c[0].Message, `unknown field "colour"`) {
		t.Errorf("unknown field: %+v", a.Error)
	}
	if org, _ := s.Client.StaxV1alpha1().Organizations().Get(ctx, ns, metav1.GetOptions{}); org.Spec.DriftPolicy.GracePeriod.Duration != 30*time.Second {
		t.Errorf("a refused patch changed the policy: %+v", org.Spec.DriftPolicy)
	}
	admin.in(t).do("PATCH", path, "text/plain", `mode: detect`).expect(t, "text/plain", 415, nil)
}
