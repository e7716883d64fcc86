package integration

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/gateway"
)

// TestConsole drives the web console in headless Chromium against a real
// stax-apiserver and gateway (web/console-check.mjs: sign-in, create,
// Ready, logs, stop and resume by keyboard, promote, an overlay and the
// branches tree, shadow traffic on and off by keyboard and the overlay's
// diffs, the cost charts, diagnose and fix an environment made to fail, delete, axe-core, a 375 px width, requests only to the gateway),
// then checks here, through the apiserver, that what the page did happened. Screenshots land in
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
	// Enterprise: the page's requests must not meet the standard tier's 100
	// a minute. A replica costs 1 a minute, so the seconds the test's
	// services run show in the cost chart.
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: ns},
		Spec: staxv1.OrganizationSpec{DisplayName: "Acme", Tier: staxv1.TierEnterprise, RequestsPerMinute: ptr.To[int32](5000),
			Pricing: &staxv1.PriceSheet{ReplicaHour: "60"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// An environment made to fail, for the diagnose step: db stops
	// accepting connections (its root cause), api fails to reach it (a
	// symptom); restarting db is the fix.
	broken := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "console-broken", Namespace: ns},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
			faultySpec(t, "db", true, nil, "refuse-once"),
			faultySpec(t, "api", false, []string{"db"}, "dial", "DB_URL"),
		}}}}
	if _, err := s.Client.StaxV1alpha1().Environments(ns).Create(ctx, broken, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Two weeks of history (an environment labelled team=shop, deleted at
	// midnight), so that the cost view has a trend forecast with its
	// interval and a label to group by.
	today := time.Now().UTC().Truncate(24 * time.Hour)
	history := &staxv1.EnvironmentRecord{ObjectMeta: metav1.ObjectMeta{Name: "console-history-1", Namespace: ns, Labels: map[string]string{"team": "shop"}},
		Environment: "console-history", EnvironmentUID: "console-history-uid", CreatedBy: "alice",
		CreatedAt: metav1.NewTime(today.AddDate(0, 0, -14)), DeletedAt: metav1.NewTime(today)}
	for d := 14; d >= 1; d-- {
		replicaHours := fmt.Sprintf("%d.000000", 10+(14-d)+d%3) // a rising trend with some noise
		history.DailyUsage = append(history.DailyUsage, staxv1.DailyUsage{Date: today.AddDate(0, 0, -d).Format(time.DateOnly),
			Services: []staxv1.ServiceUsage{{Name: "web", Usage: staxv1.ResourceUsage{CPUCoreHours: "0", MemoryGiBHours: "0", ReplicaHours: replicaHours}}}})
	}
	if _, err := s.Client.StaxV1alpha1().EnvironmentRecords(ns).Create(ctx, history, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	base := startGateway(t, s)
	token := mintWithCLI(t, s, ns, "alice")
	// The overlay's diffs, written once the page turns its shadow on.
	diffWriter := startConsoleDiffWriter(s.Client, ns, "console-demo-feature")
	t.Cleanup(func() { _, _ = diffWriter.stop() })

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

	// What the page did, as the apiserver has it: the shadow settings it
	// stored (as the diff writer saw them when it published).
	shadow, err := diffWriter.stop()
	if err != nil || shadow == nil || !shadow.Enabled || shadow.Percent == nil || *shadow.Percent != 25 || shadow.Since == nil {
		t.Errorf("the overlay's shadow settings when the diffs were published: %+v, %v", shadow, err)
	}
	b, err := s.Client.StaxV1alpha1().Baselines(ns).Get(ctx, "console-demo-stable", metav1.GetOptions{})
	if err != nil || b.Spec.EnvironmentRef.Name != "console-demo" || len(b.Status.Blueprint.Services) != 2 {
		t.Errorf("the promoted baseline: %+v, %v", b, err)
	}
	for _, gone := range []string{"console-demo", "console-demo-feature"} {
		if _, err := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, gone, metav1.GetOptions{}); err == nil {
			t.Errorf("%s was not deleted", gone)
		}
	}
	// The overlay's diffs went with it (the controller deletes them at teardown).
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := s.Client.StaxV1alpha1().EnvironmentDiffs(ns).Get(ctx, "console-demo-feature", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Errorf("the overlay's EnvironmentDiff outlived it: %v", err)
	}
	records, err := s.Client.StaxV1alpha1().EnvironmentRecords(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(records.Items) != 3 {
		t.Errorf("environment records: %v, %v", records, err)
	}
	for _, rec := range records.Items {
		if rec.Environment == "console-demo-feature" && rec.Baseline != "console-demo-stable" {
			t.Errorf("the overlay's record: baseline %q", rec.Baseline)
		}
	}
	// The fix the page applied after its dry run: one restart of db.
	fixed, err := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, "console-broken", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := fixed.Status.Remediations; len(r) != 1 || r[0].Action != "Restart" || r[0].Service != "db" || r[0].Result != "Applied" {
		t.Errorf("console-broken's remediations: %+v", r)
	}
}
