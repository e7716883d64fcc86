package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cmd/server"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/pkg/stub"
)

var (
	stubBinOnce sync.Once
	stubBinPath string
	stubBinErr  error
)

// stubBinary builds cmd/stax-stub once per test binary.
func stubBinary(t testing.TB) string {
	t.Helper()
	stubBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stax-stub")
		if err != nil {
			stubBinErr = err
			return
		}
		stubBinPath = filepath.Join(dir, "stax-stub")
		out, err := exec.Command("go", "build", "-o", stubBinPath, "github.com/microstax/stax/cmd/stax-stub").CombinedOutput()
		if err != nil {
			stubBinErr = fmt.Errorf("building stax-stub: %v\n%s", err, out)
		}
	})
	if stubBinErr != nil {
		t.Fatal(stubBinErr)
	}
	return stubBinPath
}

// TestStubServiceOnLocalRuntime: a blueprint service that is a stub waits
// (StubNotFound) until its Stub exists, then runs stax-stub, which reads
// the checked-in Petstore 3.0 document back through the API with a stub
// reader's token; the environment is Ready, every operation of the
// document answers through the service's endpoint with a response the
// document's validator accepts, and a bad request is a 400. The token the
// runtime handed the process reads the organization's Stubs and nothing
// else.
func TestStubServiceOnLocalRuntime(t *testing.T) {
	bin := stubBinary(t)
	s := startInProcess(t, func(o *server.Options) { o.Runtime.StubBinary = bin })
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)
	env := &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: "stubbed", Namespace: ns},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
			{Name: "pets", Stub: &staxv1.StubServiceSource{Name: "petstore"}},
		}}},
	}
	created, err := envs.Create(ctx, env, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p := created.Spec.Blueprint.Services[0]; len(p.Ports) != 1 || p.Health == nil || p.Health.HTTP.Path != staxv1.StubHealthPath {
		t.Fatalf("stub service defaults: %+v", p)
	}
	waitFor(t, s, "stubbed", "waiting for its Stub", func(e *staxv1.Environment) bool {
		c := meta.FindStatusCondition(e.Status.Conditions, staxv1.ConditionProvisioned)
		return e.Status.Phase == staxv1.EnvironmentPending && c != nil && c.Reason == "StubNotFound" &&
			c.Message == `service pets: stub "petstore" not found`
	})

	doc := stubTestdata(t, "petstore-3.0.yaml")
	if _, err := s.Client.StaxV1alpha1().Stubs(ns).Create(ctx, &staxv1.Stub{ObjectMeta: metav1.ObjectMeta{Name: "petstore"},
		Spec: staxv1.StubSpec{Document: string(doc), Seed: 3}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ready := waitFor(t, s, "stubbed", "Ready", phaseIs(staxv1.EnvironmentReady))
	base := "http://" + ready.Status.Services[0].Endpoint

	d, err := stub.Parse(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Operations) < 19 {
		t.Fatalf("the Petstore has %d operations", len(d.Operations))
	}
	for _, op := range d.Operations {
		if err := checkStubAnswer(d, base, op); err != nil {
			t.Errorf("%s %s: %v", op.Method, op.Path, err)
		}
	}
	resp, err := http.Get(base + "/pet/abc")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("/path/petId")) {
		t.Errorf("GET /pet/abc: %d %s", resp.StatusCode, body)
	}

	// The credential the runtime wrote for the process.
	kc := filepath.Join(s.DataDir, "runtime", "envs", ns, "stubbed", "stub", "pets.kubeconfig")
	if fi, err := os.Stat(kc); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("stub kubeconfig: %v %v", fi, err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BearerToken == "" || cfg.CertFile != "" {
		t.Fatalf("the stub's credential is not a token: %+v", cfg)
	}
	reader, err := versioned.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reader.StaxV1alpha1().Stubs(ns).Get(ctx, "petstore", metav1.GetOptions{}); err != nil {
		t.Errorf("the stub reader cannot read its Stub: %v", err)
	}
	if _, err := reader.StaxV1alpha1().Environments(ns).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("the stub reader listed environments: %v", err)
	}
	if err := reader.StaxV1alpha1().Stubs(ns).Delete(ctx, "petstore", metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("the stub reader deleted a Stub: %v", err)
	}
	if _, err := reader.StaxV1alpha1().Stubs("globex").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("the stub reader listed another organization's Stubs: %v", err)
	}
}

// checkStubAnswer sends the document's sample request for op and checks
// the answer with kin-openapi's response validator.
func checkStubAnswer(d *stub.Document, base string, op stub.Operation) error {
	req, err := d.SampleRequest(op, base, 7)
	if err != nil {
		return err
	}
	reqBody, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.Header.Get(stub.ProblemHeader) != "" {
		return fmt.Errorf("%d: %s", resp.StatusCode, body)
	}
	item := d.Spec.Paths.Value(op.Path)
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req,
			Route: &routers.Route{Spec: d.Spec, Path: op.Path, PathItem: item, Method: op.Method, Operation: item.GetOperation(op.Method)}},
		Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}
