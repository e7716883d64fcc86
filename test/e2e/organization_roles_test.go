package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/test/e2e/cluster"
)

// TestOrganizationRolesThroughKubeAPIServer binds the organization roles of
// artifacts/aggregated/03-user-roles.yaml as their comment says and checks,
// through kube-apiserver, that RBAC and stax-apiserver together keep the
// rules of standalone mode: only an admin renames the Organization, nobody
// with a token changes its tier, a member revokes no one else's token.
func TestOrganizationRolesThroughKubeAPIServer(t *testing.T) {
	c := startCluster(t, func(cfg *cluster.Config) { cfg.TokenWebhook = true })
	ctx := context.Background()
	if _, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "acme"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	members, admins := auth.OrganizationGroupPrefix+"acme", auth.OrganizationAdminsGroup("acme")
	group := func(name string) []rbacv1.Subject {
		return []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "Group", Name: name}}
	}
	role := func(name string) rbacv1.RoleRef {
		return rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name}
	}
	for name, b := range map[string]struct {
		role, group string
	}{"member": {"microstax:organization:member", members}, "admin": {"microstax:organization:admin", admins}} {
		if _, err := c.Client.RbacV1().RoleBindings("acme").Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef: role(b.role), Subjects: group(b.group)}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Client.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "acme-settings"},
		RoleRef: role("microstax:organization:settings"), Subjects: group(admins)}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if out, err := c.Kubectl(ctx, []byte("apiVersion: stax.microstax.ai/v1alpha1\nkind: Organization\nmetadata: {name: acme}\nspec: {displayName: Acme}\n"),
		"create", "-f", "-"); err != nil {
		t.Fatalf("create organization: %v\n%s", err, out)
	}

	as := func(subject string, flags ...string) (kubeconfig, jti string) {
		mint := exec.Command(os.Args[0], append([]string{"mint-token", "--data-dir", c.StaxDataDir(), "--organization", "acme", "--subject", subject}, flags...)...)
		mint.Env = append(os.Environ(), runServerEnv+"=1")
		minted, err := mint.Output()
		if err != nil {
			t.Fatalf("mint-token: %v", err)
		}
		token := strings.TrimSpace(string(minted))
		review := fmt.Sprintf("apiVersion: stax.microstax.ai/v1alpha1\nkind: IdentityReview\nspec: {token: %q}\n", token)
		jti, err = c.Kubectl(ctx, []byte(review), "create", "-f", "-", "-o", "jsonpath={.status.tokenID}")
		if err != nil || jti == "" {
			t.Fatalf("review: %v %q", err, jti)
		}
		kubeconfig, err = c.TokenKubeconfig(subject, token)
		if err != nil {
			t.Fatal(err)
		}
		return kubeconfig, jti
	}
	member, _ := as("alice")
	admin, _ := as("ada", "--groups", auth.OrganizationAdminClaim)
	_, bobJTI := as("bob")
	kubectl := func(kubeconfig string, stdin []byte, args ...string) (string, error) {
		out, err := c.KubectlAs(ctx, kubeconfig, stdin, args...)
		if err != nil {
			out += err.Error()
		}
		return out, err
	}
	patch := func(kubeconfig, body string) (string, error) {
		return kubectl(kubeconfig, nil, "patch", "organization", "acme", "--type=merge", "-p", body)
	}
	if out, err := patch(member, `{"spec":{"displayName":"Alice's"}}`); err == nil || !strings.Contains(out, "Forbidden") {
		t.Errorf("member renames the organization: want 403, got %v\n%s", err, out)
	}
	if out, err := patch(admin, `{"spec":{"displayName":"Acme Inc."}}`); err != nil {
		t.Errorf("admin renames the organization: %v\n%s", err, out)
	}
	if out, err := patch(admin, `{"spec":{"tier":"enterprise"}}`); err == nil || !strings.Contains(out, "platform admins only") {
		t.Errorf("admin changes the tier: want stax-apiserver's 403, got %v\n%s", err, out)
	}
	revocation := []byte(fmt.Sprintf("apiVersion: stax.microstax.ai/v1alpha1\nkind: TokenRevocation\nmetadata: {name: bobs, namespace: acme}\n"+
		"spec: {tokenID: %q, expirationTime: %q}\n", bobJTI, metav1.Now().Add(30*60e9).UTC().Format("2006-01-02T15:04:05Z")))
	if out, err := kubectl(member, revocation, "create", "-f", "-"); err == nil || !strings.Contains(out, "revokes only its own token") {
		t.Errorf("member revokes bob's token: want stax-apiserver's 403, got %v\n%s", err, out)
	}
	if out, err := kubectl(admin, revocation, "create", "-f", "-"); err != nil {
		t.Errorf("admin revokes bob's token: %v\n%s", err, out)
	}
}
