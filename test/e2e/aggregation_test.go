// Package e2e runs stax-apiserver the way a cluster does: in aggregated mode
// behind a real kube-apiserver (built from k8s.io/kubernetes by
// hack/build-tools.sh) on a real etcd, registered with the manifests of
// artifacts/aggregated, and drives it with the kubectl binary on PATH and
// with client certificates of users that RBAC knows.
package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/component-base/cli"

	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cmd/server"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/test/e2e/cluster"
)

// runServerEnv makes this test binary act as stax-apiserver, so the e2e
// needs no second binary of the main module.
const runServerEnv = "STAX_TEST_RUN_APISERVER"

var repoRoot, toolsBin string

func TestMain(m *testing.M) {
	if os.Getenv(runServerEnv) == "1" {
		cmd := server.NewCommand(genericapiserver.SetupSignalContext(), server.NewOptions(os.Stdout, os.Stderr))
		cmd.SetArgs(os.Args[1:])
		os.Exit(cli.Run(cmd))
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	repoRoot, toolsBin = root, filepath.Join(root, "_output", "tools", "bin")
	// Without the control plane there is nothing to test: a failed build fails
	// the run rather than skipping it. A warm build takes seconds.
	build := exec.Command(filepath.Join(root, "hack", "build-tools.sh"), "--all")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: hack/build-tools.sh:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func kubectlPath(t *testing.T) string {
	t.Helper()
	if k := os.Getenv("KUBECTL"); k != "" {
		return k
	}
	k, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl is required on PATH (or KUBECTL): %v", err)
	}
	return k
}

// startCluster runs etcd, kube-apiserver and stax-apiserver for one test.
func startCluster(t *testing.T, options ...func(*cluster.Config)) *cluster.Cluster {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg := cluster.Config{
		Dir:       dir,
		ToolsBin:  toolsBin,
		Artifacts: filepath.Join(repoRoot, "artifacts", "aggregated"),
		Kubectl:   kubectlPath(t),
		StaxCommand: func(args ...string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), runServerEnv+"=1")
			return cmd
		},
	}
	for _, o := range options {
		o(&cfg)
	}
	c, err := cluster.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("starting the control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := c.StopChecked(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			for _, p := range c.Processes {
				t.Logf("end of %s:\n%s", p.Log, p.Tail(40))
			}
		}
	})
	return c
}

func TestAggregatedBehindKubeAPIServer(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()
	kubectl := func(t *testing.T, stdin string, args ...string) string {
		t.Helper()
		var in []byte
		if stdin != "" {
			in = []byte(stdin)
		}
		out, err := c.Kubectl(ctx, in, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	t.Run("APIService available", func(t *testing.T) {
		kubectl(t, "", "wait", "--for=condition=Available", "--timeout=60s", "apiservice/"+cluster.APIServiceName)
		out := kubectl(t, "", "get", "apiservice", cluster.APIServiceName,
			"-o", "jsonpath={.spec.service.namespace}/{.spec.service.name} {.spec.groupPriorityMinimum} {.spec.versionPriority}")
		if want := "microstax/stax-apiserver 1000 15"; out != want {
			t.Errorf("APIService: got %q, want %q", out, want)
		}
	})

	t.Run("api-resources", func(t *testing.T) {
		out := kubectl(t, "", "api-resources", "--api-group=stax.microstax.ai", "-o", "wide", "--no-headers")
		var line string
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == "environments" {
				line = l
			}
		}
		if line == "" {
			t.Fatalf("environments not listed:\n%s", out)
		}
		// NAME SHORTNAMES APIVERSION NAMESPACED KIND VERBS CATEGORIES
		f := strings.Fields(line)
		want := []string{"environments", "env", "stax.microstax.ai/v1alpha1", "true", "Environment",
			"create,delete,deletecollection,get,list,patch,update,watch", "stax"}
		if strings.Join(f, " ") != strings.Join(want, " ") {
			t.Errorf("api-resources line:\n got %q\nwant %q", f, want)
		}
	})

	t.Run("get, apply, explain, watch", func(t *testing.T) {
		if out := kubectl(t, "", "get", "environments", "-n", "default", "-o", "name"); out != "" {
			t.Errorf("environments before apply: %q", out)
		}
		shop, err := os.ReadFile(filepath.Join(repoRoot, "examples", "shop.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if out := kubectl(t, string(shop), "apply", "-n", "default", "-f", "-"); !strings.Contains(out, "environment.stax.microstax.ai/shop created") {
			t.Errorf("apply: %q", out)
		}
		out := kubectl(t, "", "get", "environments", "-n", "default")
		if !strings.Contains(out, "shop") || !strings.Contains(out, "PHASE") {
			t.Errorf("get environments:\n%s", out)
		}
		out = kubectl(t, "", "get", "env", "shop", "-n", "default", "-o", "jsonpath={.spec.blueprint.services[*].name}")
		if out != "db api web" {
			t.Errorf("services of shop: %q", out)
		}
		// kube-apiserver aggregates the group's OpenAPI v3 document a
		// moment after the APIService is Available: explain waits for it,
		// as a user retrying would.
		deadline := time.Now().Add(30 * time.Second)
		for {
			var err error
			if out, err = c.Kubectl(ctx, nil, "explain", "environment.spec.blueprint"); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal(err)
			}
			time.Sleep(500 * time.Millisecond)
		}
		if !strings.Contains(out, "services") || !strings.Contains(out, "GROUP:      stax.microstax.ai") {
			t.Errorf("explain environment.spec.blueprint:\n%s", out)
		}
		watchUntilModified(t, c, ctx)
	})

	t.Run("stop: admission sees a create, a dry run changes nothing", func(t *testing.T) {
		testStopThroughKubeAPIServer(t, c, ctx)
	})

	t.Run("RBAC", func(t *testing.T) {
		testRBAC(t, c, ctx)
	})

	// The ClusterRole of artifacts/aggregated must cover every informer of
	// admission and priority-and-fairness: a missing rule shows up only as
	// reflector errors in the log, not as a failed request.
	t.Run("stax-apiserver's own permissions suffice", func(t *testing.T) {
		p := c.Processes["stax-apiserver"]
		raw, err := os.ReadFile(p.Log)
		if err != nil {
			t.Fatal(err)
		}
		denied := `is forbidden: User "system:serviceaccount:` + cluster.Namespace + ":" + cluster.ServiceAccount + `"`
		for _, l := range strings.Split(string(raw), "\n") {
			if strings.Contains(l, denied) {
				t.Errorf("stax-apiserver was refused: %s", l)
			}
		}
	})
}

// testStopThroughKubeAPIServer stops shop (of the apply above) through
// kube-apiserver: a ValidatingAdmissionPolicy on CREATE of
// environments/stop refuses to stop "frozen", which shows that admission
// sees the action; a dry-run stop answers with the paused environment and
// stores nothing; the real one stops it; a second one, with no body, is 409.
func testStopThroughKubeAPIServer(t *testing.T, c *cluster.Cluster, ctx context.Context) {
	kubectl := func(stdin string, args ...string) (string, error) {
		var in []byte
		if stdin != "" {
			in = []byte(stdin)
		}
		return c.Kubectl(ctx, in, args...)
	}
	must := func(stdin string, args ...string) string {
		t.Helper()
		out, err := kubectl(stdin, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: e2e-frozen-environments}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [stax.microstax.ai]
      apiVersions: [v1alpha1]
      operations: [CREATE]
      resources: [environments/stop]
  validations:
  - expression: request.name != 'frozen'
    message: frozen environments are never stopped
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: e2e-frozen-environments}
spec:
  policyName: e2e-frozen-environments
  validationActions: [Deny]
`
	must(policy, "apply", "-f", "-")
	defer func() { _, _ = kubectl(policy, "delete", "-f", "-") }()
	frozen := `apiVersion: stax.microstax.ai/v1alpha1
kind: Environment
metadata: {name: frozen, namespace: default}
spec:
  blueprint:
    services: [{name: web, image: web:1}]
`
	must(frozen, "apply", "-f", "-")
	// Gone before the RBAC test counts what is left.
	defer func() { _, _ = kubectl("", "delete", "env", "frozen", "-n", "default", "--timeout=60s") }()
	envPath := "/apis/stax.microstax.ai/v1alpha1/namespaces/default/environments/"

	// The policy reaches stax-apiserver's admission through its informer.
	var out string
	var err error
	deadline := time.Now().Add(time.Minute)
	for {
		out, err = kubectl("{}", "create", "--raw", envPath+"frozen/stop?dryRun=All", "-f", "-")
		if err != nil && strings.Contains(err.Error(), "frozen environments are never stopped") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the policy never refused a stop of frozen: %v %s", err, out)
		}
		time.Sleep(500 * time.Millisecond)
	}

	get := func(name, path string) string {
		return must("", "get", "env", name, "-n", "default", "-o", "jsonpath="+path)
	}
	// The controller may write shop's status meanwhile; spec and
	// generation are the dry run's to keep.
	before := get("shop", "{.spec.paused} {.metadata.generation}")
	out = must("{}", "create", "--raw", envPath+"shop/stop?dryRun=All", "-f", "-")
	if !strings.Contains(out, `"paused":true`) || !strings.Contains(out, `"name":"shop"`) {
		t.Fatalf("dry-run stop answered %s", out)
	}
	if after := get("shop", "{.spec.paused} {.metadata.generation}"); after != before {
		t.Fatalf("a dry-run stop changed shop: %q -> %q", before, after)
	}
	must("{}", "create", "--raw", envPath+"shop/stop", "-f", "-")
	if paused := get("shop", "{.spec.paused}"); paused != "true" {
		t.Fatalf("after stop: spec.paused %q", paused)
	}
	out, err = kubectl("", "create", "--raw", envPath+"shop/stop", "-f", "/dev/null")
	if err == nil || !strings.Contains(err.Error(), "already") {
		t.Fatalf("second stop, no body: want 409, got %v %s", err, out)
	}
	if paused := get("frozen", "{.spec.paused}"); paused != "" {
		t.Fatalf("frozen was stopped: spec.paused %q", paused)
	}
}

// watchUntilModified runs `kubectl get env -w` and sees a patch arrive.
func watchUntilModified(t *testing.T, c *cluster.Cluster, ctx context.Context) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(wctx, kubectlPath(t), "--kubeconfig", c.AdminKubeconfig,
		"get", "env", "-n", "default", "-w", "--output-watch-events", "-o", "wide", "--no-headers")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// A line is EVENT NAME PHASE READY BASELINE AGE DISPLAY-NAME SERVICES.
	next := func(event, displayName string) {
		t.Helper()
		want := event + " shop ... " + displayName
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("watch ended before %q; stderr: %s", want, stderr.String())
				}
				l = strings.Join(strings.Fields(l), " ")
				if strings.HasPrefix(l, event+" shop ") && strings.Contains(l, " "+displayName+" ") {
					return
				}
			case <-wctx.Done():
				t.Fatalf("no %q from kubectl get -w; stderr: %s", want, stderr.String())
			}
		}
	}
	next("ADDED", "Shop (feature branch)")
	if _, err := c.Kubectl(ctx, nil, "patch", "env", "shop", "-n", "default", "--type=merge",
		"-p", `{"spec":{"displayName":"Shop v2"}}`); err != nil {
		t.Fatal(err)
	}
	next("MODIFIED", "Shop v2")
}

// testRBAC: no binding, no access; a RoleBinding in one namespace, access
// there only. Through kube-apiserver, which authorizes before it proxies, and
// also straight to stax-apiserver, which authenticates the same client
// certificates with the CA it reads from kube-system and asks kube-apiserver
// (SubjectAccessReview) whether they may act. That alice can write through
// the aggregation layer at all shows stax-apiserver took her identity from
// the front proxy's X-Remote-User header: the proxy's own user is bound to
// nothing.
func testRBAC(t *testing.T, c *cluster.Cluster, ctx context.Context) {
	for _, ns := range []string{"team-a", "team-b"} {
		if _, err := c.Kubectl(ctx, nil, "create", "namespace", ns); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.Client.RbacV1().RoleBindings("team-a").Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "alice-environments"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "microstax:environments:edit"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "alice"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	alice := userClient(t, c, "alice", false)
	mallory := userClient(t, c, "mallory", false)
	aliceDirect := userClient(t, c, "alice", true)
	malloryDirect := userClient(t, c, "mallory", true)
	env := func(name string) *v1alpha1.Environment {
		return &v1alpha1.Environment{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: v1alpha1.EnvironmentSpec{Blueprint: v1alpha1.Blueprint{Services: []v1alpha1.ServiceSpec{
				{Name: "web", Image: "nginx:1.27"},
			}}},
		}
	}

	// mallory: authenticated, bound to nothing.
	_, err = mallory.StaxV1alpha1().Environments("team-a").List(ctx, metav1.ListOptions{})
	expectForbidden(t, "mallory lists team-a", err)
	_, err = mallory.StaxV1alpha1().Environments("team-a").Create(ctx, env("m"), metav1.CreateOptions{})
	expectForbidden(t, "mallory creates in team-a", err)
	malloryKubeconfig, err := c.UserKubeconfig("mallory")
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.KubectlAs(ctx, malloryKubeconfig, nil, "get", "environments", "-n", "team-a")
	if err == nil || !strings.Contains(err.Error(), `User "mallory" cannot list resource "environments" in API group "stax.microstax.ai" in the namespace "team-a"`) {
		t.Errorf("kubectl get as mallory: want forbidden, got %v (%s)", err, out)
	}

	_, err = malloryDirect.StaxV1alpha1().Environments("team-a").List(ctx, metav1.ListOptions{})
	expectForbidden(t, "mallory lists team-a directly", err)

	// alice: edit in team-a only.
	created, err := alice.StaxV1alpha1().Environments("team-a").Create(ctx, env("a"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("alice creates in team-a: %v", err)
	}
	if _, err := alice.StaxV1alpha1().Environments("team-a").Get(ctx, created.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("alice gets in team-a: %v", err)
	}
	if _, err := alice.StaxV1alpha1().Environments("team-a").List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("alice lists team-a: %v", err)
	}
	_, err = alice.StaxV1alpha1().Environments("team-b").Create(ctx, env("a"), metav1.CreateOptions{})
	expectForbidden(t, "alice creates in team-b", err)
	_, err = alice.StaxV1alpha1().Environments("team-b").List(ctx, metav1.ListOptions{})
	expectForbidden(t, "alice lists team-b", err)
	_, err = alice.StaxV1alpha1().Environments("").List(ctx, metav1.ListOptions{})
	expectForbidden(t, "alice lists all namespaces", err)
	if _, err := aliceDirect.StaxV1alpha1().Environments("team-a").Get(ctx, created.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("alice gets in team-a directly: %v", err)
	}
	_, err = aliceDirect.StaxV1alpha1().Environments("team-b").List(ctx, metav1.ListOptions{})
	expectForbidden(t, "alice lists team-b directly", err)
	// The edit role covers the stop and resume subresources (a dry run
	// here, which changes nothing); mallory's stop is refused.
	stop := func(client versioned.Interface, ns string) error {
		return client.StaxV1alpha1().RESTClient().Post().Namespace(ns).Resource("environments").Name(created.Name).
			SubResource("stop").Param("dryRun", "All").SetHeader("Content-Type", "application/json").
			Body([]byte("{}")).Do(ctx).Error()
	}
	if err := stop(alice, "team-a"); err != nil {
		t.Errorf("alice stops (dry run) in team-a: %v", err)
	}
	expectForbidden(t, "mallory stops in team-a", stop(mallory, "team-a"))
	if err := alice.StaxV1alpha1().Environments("team-a").Delete(ctx, created.Name, metav1.DeleteOptions{}); err != nil {
		t.Errorf("alice deletes in team-a: %v", err)
	}
	// Nothing mallory or alice were refused reached storage.
	all, err := c.Kubectl(ctx, nil, "get", "env", "-A", "-o", "name")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(all) != "environment.stax.microstax.ai/shop" {
		t.Errorf("environments left: %q", all)
	}
}

// userClient is a clientset with user's client certificate, for
// kube-apiserver or, when direct, for stax-apiserver itself.
func userClient(t *testing.T, c *cluster.Cluster, user string, direct bool) versioned.Interface {
	t.Helper()
	path, err := c.UserKubeconfig(user)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	if direct {
		cfg.Host, cfg.TLSClientConfig.CAFile = c.StaxURL, c.StaxCAFile
	}
	client, err := versioned.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func expectForbidden(t *testing.T, what string, err error) {
	t.Helper()
	var status apierrors.APIStatus
	if !apierrors.IsForbidden(err) || !errors.As(err, &status) || status.Status().Code != 403 {
		t.Errorf("%s: want 403 Forbidden, got %v", what, err)
	}
}
