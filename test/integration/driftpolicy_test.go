package integration

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/auth"
)

// TestDriftPolicyRoles: organizations/driftpolicy is written by the
// organization's admins and the platform only (a member's token: 403), it
// is the only way to write spec.driftPolicy, and a bad policy is a 422
// naming its field.
func TestDriftPolicyRoles(t *testing.T) {
	s := startInProcess(t, storeOnly)
	ctx := context.Background()
	platform := s.Client.StaxV1alpha1()
	if _, err := platform.Organizations().Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "acme"},
		Spec: staxv1.OrganizationSpec{DisplayName: "Acme", DriftPolicy: &staxv1.DriftPolicy{Mode: staxv1.DriftRemediate}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	member := tokenClient(t, s, mintWithCLI(t, s, "acme", "alice")).StaxV1alpha1()
	admin := tokenClient(t, s, mintWithCLI(t, s, "acme", "ada", "--groups", auth.OrganizationAdminClaim)).StaxV1alpha1()
	policy := func() *staxv1.DriftPolicy {
		t.Helper()
		org, err := platform.Organizations().Get(ctx, "acme", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return org.Spec.DriftPolicy
	}
	if p := policy(); p != nil {
		t.Errorf("a create set the drift policy: %+v", p)
	}
	patch := func(c interface {
		Patch(context.Context, string, types.PatchType, []byte, metav1.PatchOptions, ...string) (*staxv1.Organization, error)
	}, body string, sub ...string) (*staxv1.Organization, error) {
		return c.Patch(ctx, "acme", types.MergePatchType, []byte(body), metav1.PatchOptions{}, sub...)
	}

	detect := `{"spec":{"driftPolicy":{"mode":"detect","ignore":[{"services":["db"],"fields":["replicas"]}]}}}`
	if _, err := patch(member.Organizations(), detect, "driftpolicy"); !apierrors.IsForbidden(err) {
		t.Errorf("member sets the drift policy: want 403, got %v", err)
	}
	if p := policy(); p != nil {
		t.Errorf("a refused write set the drift policy: %+v", p)
	}
	org, err := patch(admin.Organizations(), detect, "driftpolicy")
	if err != nil {
		t.Fatalf("admin sets the drift policy: %v", err)
	}
	p := org.Spec.DriftPolicy
	if p == nil || p.Mode != staxv1.DriftDetect || p.GracePeriod == nil || p.GracePeriod.Duration != time.Minute ||
		len(p.Ignore) != 1 || p.Ignore[0].Services[0] != "db" {
		t.Errorf("admin's policy, defaulted: %+v", p)
	}
	// The subresource writes the policy and nothing else.
	if _, err := patch(admin.Organizations(), `{"spec":{"displayName":"Renamed","driftPolicy":{"mode":"remediate","gracePeriod":"30s"}}}`, "driftpolicy"); err != nil {
		t.Fatalf("admin sets remediate: %v", err)
	}
	org, _ = platform.Organizations().Get(ctx, "acme", metav1.GetOptions{})
	if org.Spec.DisplayName != "Acme" || org.Spec.DriftPolicy.Mode != staxv1.DriftRemediate || org.Spec.DriftPolicy.GracePeriod.Duration != 30*time.Second {
		t.Errorf("after the subresource's write: %q %+v", org.Spec.DisplayName, org.Spec.DriftPolicy)
	}
	// The Organization itself keeps the policy as it is, for anyone.
	if _, err := patch(platform.Organizations(), `{"spec":{"driftPolicy":{"mode":"off"}}}`); err != nil {
		t.Fatal(err)
	}
	if p := policy(); p.Mode != staxv1.DriftRemediate {
		t.Errorf("a write of the Organization changed the policy: %+v", p)
	}
	// The platform may write it too.
	if _, err := patch(platform.Organizations(), `{"spec":{"driftPolicy":{"mode":"off"}}}`, "driftpolicy"); err != nil {
		t.Errorf("platform sets the drift policy: %v", err)
	}
	// kubectl reaches the subresource too.
	out, err := exec.Command(kubectlPath(t), "--kubeconfig", s.Kubeconfig, "patch", "organization", "acme", "--type=merge",
		"--subresource=driftpolicy", "-p", `{"spec":{"driftPolicy":{"mode":"detect","gracePeriod":"2m"}}}`).CombinedOutput()
	if err != nil {
		t.Errorf("kubectl patch --subresource=driftpolicy: %v: %s", err, out)
	} else if p := policy(); p.Mode != staxv1.DriftDetect || p.GracePeriod.Duration != 2*time.Minute {
		t.Errorf("after kubectl patch: %+v", p)
	}
	// Another organization's admin cannot.
	other := tokenClient(t, s, mintWithCLI(t, s, "globex", "gus", "--groups", auth.OrganizationAdminClaim)).StaxV1alpha1()
	if _, err := patch(other.Organizations(), detect, "driftpolicy"); !apierrors.IsForbidden(err) {
		t.Errorf("globex's admin sets acme's drift policy: want 403, got %v", err)
	}

	for body, path := range map[string]string{
		`{"spec":{"driftPolicy":{"mode":"heal"}}}`:                           "spec.driftPolicy.mode",
		`{"spec":{"driftPolicy":{"mode":"detect","gracePeriod":"-1s"}}}`:     "spec.driftPolicy.gracePeriod",
		`{"spec":{"driftPolicy":{"mode":"detect","gracePeriod":"25h"}}}`:     "spec.driftPolicy.gracePeriod",
		`{"spec":{"driftPolicy":{"mode":"detect","ignore":[{}]}}}`:           "spec.driftPolicy.ignore[0]",
		`{"spec":{"driftPolicy":{"ignore":[{"fields":["colour"]}]}}}`:        "spec.driftPolicy.ignore[0].fields[0]",
		`{"spec":{"driftPolicy":{"ignore":[{"services":["Not_A_Label"]}]}}}`: "spec.driftPolicy.ignore[0].services[0]",
	} {
		_, err := patch(admin.Organizations(), body, "driftpolicy")
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: want 422 naming %s, got %v", body, path, err)
		}
	}
}
