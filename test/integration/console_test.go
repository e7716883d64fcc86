package integration

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/gateway"
)

// TestConsole drives the web console in headless Chromium against a real
// stax-apiserver and gateway (web/console-check.mjs: sign-in, create,
// Ready, logs, stop and resume by keyboard, promote, delete, axe-core, a
// 375 px width, requests only to the gateway), then checks here, through
// the apiserver, that what the page did happened. Screenshots land in
// _output/console/. It needs node, web/node_modules and chromium: without
// them it skips, unless STAX_CONSOLE_BROWSER=required (hack/verify-console.sh).
func TestConsole(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	browser := os.Getenv("CHROMIUM")
	if browser == "" {
		browser = "/usr/bin/chromium"
	}
	for _, need := range []string{filepath.Join(root, "web/node_modules/playwright-core"), filepath.Join(root, "web/node_modules/axe-core"), browser} {
		if _, err := os.Stat(need); err != nil {
			if os.Getenv("STAX_CONSOLE_BROWSER") == "required" {
				t.Fatalf("the console's browser test needs %s (hack/verify-console.sh installs web/node_modules)", need)
			}
			t.Skipf("no %s: run hack/verify-console.sh", need)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH")
	}

	s := startInProcess(t)
	ctx := context.Background()
	// Enterprise: the page's requests must not meet the standard tier's 100 a minute.
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: ns},
		Spec:       staxv1.OrganizationSpec{DisplayName: "Acme", Tier: staxv1.TierEnterprise, RequestsPerMinute: ptr.To[int32](5000)}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	base := startGateway(t, s)
	token := mintWithCLI(t, s, ns, "alice")

	// The console's files carry their CSP; the redirect brings /console to them.
	resp, err := http.Get(base + "/console/main.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != gateway.ConsoleContentSecurityPolicy ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("GET /console/main.js: %d, CSP %q, type %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), resp.Header.Get("Content-Type"))
	}

	shots := filepath.Join(root, "_output", "console")
	cmd := exec.Command(node, filepath.Join(root, "web", "console-check.mjs"), base, token, ns, demoService(t), shots)
	cmd.Dir = filepath.Join(root, "web")
	cmd.Env = append(os.Environ(), "CHROMIUM="+browser)
	out, err := cmd.CombinedOutput()
	t.Logf("console-check.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("the console's browser test failed: %v", err)
	}

	// What the page did, as the apiserver has it.
	b, err := s.Client.StaxV1alpha1().Baselines(ns).Get(ctx, "console-demo-stable", metav1.GetOptions{})
	if err != nil || b.Spec.EnvironmentRef.Name != "console-demo" || len(b.Status.Blueprint.Services) != 2 {
		t.Errorf("the promoted baseline: %+v, %v", b, err)
	}
	if _, err := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, "console-demo", metav1.GetOptions{}); err == nil {
		t.Errorf("console-demo was not deleted")
	}
	records, err := s.Client.StaxV1alpha1().EnvironmentRecords(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(records.Items) != 1 {
		t.Errorf("environment records: %v, %v", records, err)
	}
}
