package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/test/e2e/cluster"
)

// TestHybridTokensThroughKubeAPIServer makes kube-apiserver authenticate
// MicroStax tokens with stax-apiserver's TokenReview webhook and checks that
// a token is confined to its organization even where RBAC would let its
// group act: the organization scope of stax-apiserver denies, not RBAC.
func TestHybridTokensThroughKubeAPIServer(t *testing.T) {
	c := startCluster(t, func(cfg *cluster.Config) { cfg.TokenWebhook = true })
	ctx := context.Background()

	for _, ns := range []string{"acme", "globex"} {
		if _, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		// RBAC lets acme's group edit environments in both namespaces.
		_, err := c.Client.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "acme-tokens"},
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "microstax:environments:edit"},
			Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "Group", Name: "stax.microstax.ai:org:acme"}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}

	// The first token of acme, minted with stax-apiserver's own keys.
	mint := exec.Command(os.Args[0], "mint-token", "--data-dir", c.StaxDataDir(),
		"--organization", "acme", "--subject", "alice")
	mint.Env = append(os.Environ(), runServerEnv+"=1")
	minted, err := mint.Output()
	if err != nil {
		t.Fatalf("mint-token: %v", err)
	}
	token := strings.TrimSpace(string(minted))
	kubeconfig, err := c.TokenKubeconfig("alice", token)
	if err != nil {
		t.Fatal(err)
	}
	// kubectl returns its output, with the error text on failure.
	kubectl := func(kubeconfig string, args ...string) (string, error) {
		out, err := c.KubectlAs(ctx, kubeconfig, nil, args...)
		if err != nil {
			out += err.Error()
		}
		return out, err
	}

	if out, err := kubectl(kubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"); err != nil ||
		!strings.Contains(out, "alice") || !strings.Contains(out, "stax.microstax.ai:org:acme") {
		t.Fatalf("kube-apiserver does not know the token's user: %v %s", err, out)
	}
	if out, err := kubectl(kubeconfig, "-n", "acme", "apply", "-f", filepath.Join(repoRoot, "examples", "shop.yaml")); err != nil {
		t.Fatalf("acme token in acme through kube-apiserver: %v\n%s", err, out)
	}
	if out, err := kubectl(kubeconfig, "-n", "acme", "get", "environments", "-o", "name"); err != nil || !strings.Contains(out, "shop") {
		t.Fatalf("list in acme: %v\n%s", err, out)
	}
	if out, err := kubectl(kubeconfig, "-n", "globex", "get", "environments"); err == nil ||
		!strings.Contains(out, "Forbidden") || !strings.Contains(out, `may act only in namespace "acme"`) {
		t.Fatalf("acme token in globex, which RBAC allows: want stax-apiserver's 403, got %v\n%s", err, out)
	}

	// A damaged token is refused by kube-apiserver after the webhook says no.
	damaged, err := c.TokenKubeconfig("damaged", token[:len(token)-6]+"AAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := kubectl(damaged, "-n", "acme", "get", "environments"); err == nil || !strings.Contains(out, "Unauthorized") {
		t.Fatalf("damaged token: want 401, got %v\n%s", err, out)
	}
}
