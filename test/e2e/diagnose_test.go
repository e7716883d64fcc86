package e2e

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	kuberuntime "github.com/microstax/stax/pkg/runtime/kubernetes"
)

// Images testdata/kwok-diagnose.yaml gives a failure.
const (
	missingImage = "stax-e2e/missing:1"
	hungryImage  = "stax-e2e/hungry:1"
	unreadyImage = "stax-e2e/unready:1"
)

func imageService(name, image string, deps ...string) staxv1.ServiceSpec {
	return staxv1.ServiceSpec{Name: name, Image: image, DependsOn: deps}
}

func diagnosis(t *testing.T, stax versioned.Interface, env string, spec staxv1.DiagnosisSpec) *staxv1.Diagnosis {
	t.Helper()
	out := &staxv1.Diagnosis{}
	err := stax.StaxV1alpha1().RESTClient().Post().Namespace("acme").Resource("environments").Name(env).SubResource("diagnose").
		Body(&staxv1.Diagnosis{TypeMeta: metav1.TypeMeta{APIVersion: staxv1.SchemeGroupVersion.String(), Kind: "Diagnosis"}, Spec: spec}).
		Do(context.Background()).Into(out)
	if err != nil {
		t.Fatalf("diagnose %s: %v", env, err)
	}
	return out
}

// findingFor polls diagnoses of env until one has the analyzer's finding
// on service.
func findingFor(t *testing.T, stax versioned.Interface, env, analyzer, service string) (*staxv1.Diagnosis, staxv1.DiagnosisFinding) {
	t.Helper()
	var last *staxv1.Diagnosis
	var found staxv1.DiagnosisFinding
	err := wait.PollUntilContextTimeout(context.Background(), 500*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		last = diagnosis(t, stax, env, staxv1.DiagnosisSpec{})
		for _, f := range last.Status.Findings {
			if f.Analyzer == analyzer && f.Service == service {
				t.Logf("%s: %s on %s (root %s): %s; evidence %q; remediation %s", env, f.Analyzer, f.Service, f.RootCause,
					f.Cause, f.Evidence, f.Remediation.Action)
				found = f
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("%s: no %s finding on %s: %v; last %+v", env, analyzer, service, err, last.Status)
	}
	return last, found
}

func hasEvidence(f staxv1.DiagnosisFinding, subs ...string) bool {
	for _, sub := range subs {
		if !slices.ContainsFunc(f.Evidence, func(l string) bool { return strings.Contains(l, sub) }) {
			return false
		}
	}
	return true
}

// TestDiagnoseOnKubernetes: kwok plays the kubelet of pods that crash-loop,
// cannot pull their image and are OOMKilled (testdata/kwok-*.yaml), and
// kube-scheduler refuses one that asks for a resource no node has; each
// environment's diagnosis names the finding, its evidence (the pod's state
// and its events) and the root service. Then the OOMKilled one is
// remediated: a dry run changes nothing, the organization's memory quota
// refuses the raise, and within a larger quota the Deployment's limit
// doubles and the environment is Ready. A stub service runs on the same
// cluster as a Deployment of the stax-stub image, and the token in its
// Secret reads the organization's Stubs and nothing else.
func TestDiagnoseOnKubernetes(t *testing.T) {
	c := startWorkloadCluster(t, filepath.Join(repoRoot, "test", "e2e", "testdata", "kwok-diagnose.yaml"))
	stax, adminKubeconfig := startStandalone(t, "--runtime=kubernetes", "--runtime-kubeconfig="+c.AdminKubeconfig,
		"--stub-image=stax-stub:e2e", "--stub-api-server=https://stax.example:6443", "--stub-token-lifetime=20s")
	ctx := context.Background()
	envs := stax.StaxV1alpha1().Environments("acme")
	mem := func(q string) staxv1.ResourceList { return staxv1.ResourceList{"memory": intstr.FromString(q)} }
	hungry := imageService("cache", hungryImage)
	hungry.Resources = staxv1.ResourceRequirements{Requests: mem("64Mi"), Limits: mem("64Mi")}
	unplaceable := imageService("gpu", "stax-e2e/trainer:1")
	unplaceable.Resources.Limits = staxv1.ResourceList{"stax-e2e.example/widget": intstr.FromInt32(1)}
	for name, services := range map[string][]staxv1.ServiceSpec{
		"chain":   {imageService("db", crashImage), imageService("api", unreadyImage, "db")},
		"pull":    {imageService("web", missingImage)},
		"hungry":  {hungry},
		"nowhere": {unplaceable},
		"stubbed": {{Name: "pets", Stub: &staxv1.StubServiceSource{Name: "petstore"}}},
	} {
		env := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: services}}}
		if _, err := envs.Create(ctx, env, metav1.CreateOptions{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	t.Run("CrashLoopBackOff, and its dependent a symptom", func(t *testing.T) {
		d, f := findingFor(t, stax, "chain", "CrashLoop", "db")
		if f.RootCause != "db" || f.Symptom || !hasEvidence(f, "CrashLoopBackOff", "restarted 3 times") {
			t.Errorf("db: %+v", f)
		}
		_, api := findingFor(t, stax, "chain", "DependencyNotReady", "api")
		if api.RootCause != "db" || !api.Symptom || !hasEvidence(api, "db: health Unhealthy CrashLoopBackOff") {
			t.Errorf("api: %+v", api)
		}
		if !slices.Equal(d.Status.RootCauses, []string{"db"}) {
			t.Errorf("root causes %v", d.Status.RootCauses)
		}
	})
	t.Run("ImagePullBackOff", func(t *testing.T) {
		_, f := findingFor(t, stax, "pull", "ImagePullBackOff", "web")
		if f.RootCause != "web" || !hasEvidence(f, "ImagePullBackOff", `Warning Failed`, `Failed to pull image "stax-e2e/missing:1"`) {
			t.Errorf("web: %+v", f)
		}
	})
	t.Run("Unschedulable", func(t *testing.T) {
		_, f := findingFor(t, stax, "nowhere", "Unschedulable", "gpu")
		if f.RootCause != "gpu" || !hasEvidence(f, "Insufficient stax-e2e.example/widget", "FailedScheduling") {
			t.Errorf("gpu: %+v", f)
		}
	})

	t.Run("OOMKilled, the memory limit raised within the quota", func(t *testing.T) {
		_, f := findingFor(t, stax, "hungry", "OutOfMemory", "cache")
		if f.RootCause != "cache" || f.Remediation.Action != "RaiseMemoryLimit" || !hasEvidence(f, "OOMKilled", "137") {
			t.Fatalf("cache: %+v", f)
		}
		deployments := c.Client.AppsV1().Deployments(kuberuntime.NamespaceName("acme", "hungry"))
		limitOf := func() string {
			t.Helper()
			d, err := deployments.Get(ctx, "cache", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			l := d.Spec.Template.Spec.Containers[0].Resources.Limits.Memory()
			r := d.Spec.Template.Spec.Containers[0].Resources.Requests.Memory()
			return l.String() + "/" + r.String()
		}

		dry := diagnosis(t, stax, "hungry", staxv1.DiagnosisSpec{Remediate: true, DryRun: true})
		if len(dry.Status.Remediations) != 1 || dry.Status.Remediations[0].Result != "WouldApply" {
			t.Fatalf("dry run: %+v", dry.Status.Remediations)
		}
		if got := limitOf(); got != "64Mi/64Mi" {
			t.Fatalf("a dry run changed the Deployment: limit/request %s", got)
		}

		// The organization has room for what it runs, not for twice that.
		org := &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "acme"},
			Spec: staxv1.OrganizationSpec{Quota: &staxv1.OrganizationQuota{Memory: ptrQuantity("64Mi")}}}
		if _, err := stax.StaxV1alpha1().Organizations().Create(ctx, org, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		refused := diagnosis(t, stax, "hungry", staxv1.DiagnosisSpec{Remediate: true})
		if len(refused.Status.Remediations) != 1 || refused.Status.Remediations[0].Result != "Refused" ||
			!strings.Contains(refused.Status.Remediations[0].Message, "exceeded quota") {
			t.Fatalf("over the quota: %+v", refused.Status.Remediations)
		}
		if got := limitOf(); got != "64Mi/64Mi" {
			t.Fatalf("a refused raise changed the Deployment: %s", got)
		}

		cur, err := stax.StaxV1alpha1().Organizations().Get(ctx, "acme", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Spec.Quota.Memory = ptrQuantity("1Gi")
		if _, err := stax.StaxV1alpha1().Organizations().Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		applied := diagnosis(t, stax, "hungry", staxv1.DiagnosisSpec{Remediate: true})
		if len(applied.Status.Remediations) != 1 || applied.Status.Remediations[0].Result != "Applied" ||
			applied.Status.Remediations[0].Message != "raised the memory limit of cache from 64Mi to 128Mi" {
			t.Fatalf("within the quota: %+v", applied.Status.Remediations)
		}
		var last *staxv1.Environment
		err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
			last, err = envs.Get(ctx, "hungry", metav1.GetOptions{})
			return err == nil && last.Status.Phase == staxv1.EnvironmentReady && last.Status.ObservedGeneration == last.Generation, nil
		})
		if err != nil {
			t.Fatalf("hungry never Ready after the raise: %v; last %+v", err, last.Status)
		}
		if got := limitOf(); got != "128Mi/128Mi" {
			t.Errorf("the Deployment after the raise: limit/request %s", got)
		}
		if h := last.Status.Remediations; len(h) != 2 || h[0].Result != "Refused" || h[1].Result != "Applied" {
			t.Errorf("history %+v", h)
		}
	})

	t.Run("a stub service", func(t *testing.T) {
		if _, err := stax.StaxV1alpha1().Stubs("acme").Create(ctx, &staxv1.Stub{ObjectMeta: metav1.ObjectMeta{Name: "petstore"},
			Spec: staxv1.StubSpec{Document: petstoreDocument}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		var last *staxv1.Environment
		err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
			var err error
			last, err = envs.Get(ctx, "stubbed", metav1.GetOptions{})
			return err == nil && last.Status.Phase == staxv1.EnvironmentReady, nil
		})
		if err != nil {
			t.Fatalf("stubbed never Ready: %v; last %+v", err, last.Status)
		}
		ns := kuberuntime.NamespaceName("acme", "stubbed")
		d, err := c.Client.AppsV1().Deployments(ns).Get(ctx, "pets", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ctr := d.Spec.Template.Spec.Containers[0]
		if ctr.Image != "stax-stub:e2e" || !slices.Equal(ctr.Args, []string{"--stub", "acme/petstore", "--kubeconfig", "/etc/stax-stub/kubeconfig", "--listen", ":8080"}) {
			t.Errorf("stub container: %s %v", ctr.Image, ctr.Args)
		}
		sec, err := c.Client.CoreV1().Secrets(ns).Get(ctx, "pets-stub", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		kc, err := clientcmd.Load(sec.Data["kubeconfig"])
		if err != nil || kc.Clusters["stax"].Server != "https://stax.example:6443" {
			t.Fatalf("credential kubeconfig: %v %+v", err, kc)
		}
		// The token, used against stax-apiserver: Stubs only.
		cfg, err := clientcmd.BuildConfigFromFlags("", adminKubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		cfg.CertFile, cfg.KeyFile, cfg.CertData, cfg.KeyData = "", "", nil, nil
		cfg.BearerToken = string(sec.Data["token"])
		reader, err := versioned.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reader.StaxV1alpha1().Stubs("acme").Get(ctx, "petstore", metav1.GetOptions{}); err != nil {
			t.Errorf("the stub's token cannot read its Stub: %v", err)
		}
		if _, err := reader.StaxV1alpha1().Environments("acme").Get(ctx, "stubbed", metav1.GetOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("the stub's token read an environment: %v", err)
		}

		// With 20 s tokens, the controller mints the Secret again 10 s
		// after it was issued: a stub pod that starts then reads a token
		// with 10 s to live, never an expired one.
		issued := func(s *corev1.Secret) time.Time {
			at, err := time.Parse(time.RFC3339, s.Annotations[kuberuntime.AnnotationStubIssuedAt])
			if err != nil {
				t.Fatalf("issued-at of the credential: %v", err)
			}
			return at
		}
		first := issued(sec)
		var fresh *corev1.Secret
		err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 40*time.Second, true, func(ctx context.Context) (bool, error) {
			fresh, err = c.Client.CoreV1().Secrets(ns).Get(ctx, "pets-stub", metav1.GetOptions{})
			return err == nil && string(fresh.Data["token"]) != string(sec.Data["token"]), nil
		})
		if err != nil {
			t.Fatalf("the credential was not minted again within 40 s: %v; annotations %v", err, sec.Annotations)
		}
		expires, _ := time.Parse(time.RFC3339, fresh.Annotations[kuberuntime.AnnotationStubExpiresAt])
		if at := issued(fresh); at.Sub(first) < 10*time.Second || expires.Sub(at) != 20*time.Second {
			t.Errorf("minted again at %v (first %v), expiring %v", at, first, expires)
		}
		cfg.BearerToken = string(fresh.Data["token"])
		if reader, err = versioned.NewForConfig(cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := reader.StaxV1alpha1().Stubs("acme").Get(ctx, "petstore", metav1.GetOptions{}); err != nil {
			t.Errorf("the fresh token cannot read the Stub: %v", err)
		}
		if d2, err := c.Client.AppsV1().Deployments(ns).Get(ctx, "pets", metav1.GetOptions{}); err != nil || d2.Generation != d.Generation {
			t.Errorf("the refresh rolled the Deployment: %v, generation %d→%d", err, d.Generation, d2.Generation)
		}
	})
}

func ptrQuantity(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

// petstoreDocument is a small OpenAPI document for the stub service.
const petstoreDocument = `openapi: 3.0.3
info: {title: Pets, version: "1"}
paths:
  /pets:
    get:
      responses:
        "200":
          description: the pets
          content:
            application/json:
              schema: {type: array, items: {type: object, properties: {name: {type: string}}}}
`
