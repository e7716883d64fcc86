package integration

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/cmd/server"
	"github.com/microstax/stax/pkg/stub"
	"github.com/microstax/stax/pkg/stubclient"
)

func stubTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../pkg/stub/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".gz") {
		z, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(z); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// TestStubs creates Stubs inline and by upload (GitHub's 13 MB document,
// in chunks, over every single-request limit), reads the document back,
// and refuses documents over the limit or not OpenAPI at all; then the
// gateway's POST /v1/stubs/generate streams one through.
func TestStubs(t *testing.T) {
	const limit = 16 << 20
	s := startInProcess(t, storeOnly, func(o *server.Options) { o.MaxStubDocumentBytes = limit })
	ctx := context.Background()
	stubs := s.Client.StaxV1alpha1().Stubs(ns)
	rc := s.Client.StaxV1alpha1().RESTClient()

	t.Run("inline", func(t *testing.T) {
		doc := stubTestdata(t, "petstore-3.1.json")
		st, err := stubs.Create(ctx, &staxv1.Stub{ObjectMeta: metav1.ObjectMeta{Name: "petstore"},
			Spec: staxv1.StubSpec{Document: string(doc), Seed: 4}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Status.Phase != staxv1.StubReady || st.Status.OperationCount != 20 || st.Status.Title != "Swagger Petstore" ||
			st.Status.Document.Chunks != 0 || st.Status.Document.SizeBytes != int64(len(doc)) {
			t.Errorf("status %+v", st.Status)
		}
		got, err := rc.Get().Namespace(ns).Resource("stubs").Name("petstore").SubResource("document").DoRaw(ctx)
		if err != nil || !bytes.Equal(got, doc) {
			t.Errorf("document read back: %v, %d bytes of %d", err, len(got), len(doc))
		}
		_, err = stubs.Create(ctx, &staxv1.Stub{ObjectMeta: metav1.ObjectMeta{Name: "junk"},
			Spec: staxv1.StubSpec{Document: "just: text"}}, metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.document") || !strings.Contains(err.Error(), "neither \"openapi\" nor \"swagger\"") {
			t.Errorf("junk document: %v", err)
		}
		_, err = stubs.Create(ctx, &staxv1.Stub{ObjectMeta: metav1.ObjectMeta{Name: "big"},
			Spec: staxv1.StubSpec{Document: strings.Repeat(" ", 600<<10) + string(doc)}}, metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "upload a larger document to stubs/{name}/document") {
			t.Errorf("inline over 512 KiB: %v", err)
		}
	})

	t.Run("upload in chunks", func(t *testing.T) {
		doc := stubTestdata(t, "api.github.com.json.gz")
		if _, err := stubs.Create(ctx, &staxv1.Stub{ObjectMeta: metav1.ObjectMeta{Name: "github"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if st, _ := stubs.Get(ctx, "github", metav1.GetOptions{}); st.Status.Phase != staxv1.StubPending {
			t.Errorf("before upload: %+v", st.Status)
		}
		var st staxv1.Stub
		err := rc.Put().Namespace(ns).Resource("stubs").Name("github").SubResource("document").
			SetHeader("Content-Type", "application/octet-stream").Body(doc).Timeout(3 * time.Minute).Do(ctx).Into(&st)
		if err != nil {
			t.Fatal(err)
		}
		want := int32((len(doc) + 764<<10 - 1) / (764 << 10))
		if st.Status.Document.Chunks != want || st.Status.OperationCount != 1223 || st.Status.Document.SizeBytes != int64(len(doc)) {
			t.Errorf("status: %d chunks (want %d), %d operations, %d bytes", st.Status.Document.Chunks, want, st.Status.OperationCount, st.Status.Document.SizeBytes)
		}
		// GitHub's document has two pairs of paths the specification calls
		// the same; the examples its schemas reject are warnings.
		if st.Status.Phase != staxv1.StubInvalid || st.Status.ErrorCount != 2 || st.Status.Errors[0].Pointer != "/paths" ||
			!strings.Contains(st.Status.Errors[0].Message, "conflicting paths") || st.Status.WarningCount < 100 ||
			!strings.HasPrefix(st.Status.Warnings[0].Pointer, "/paths/") {
			t.Errorf("issues: %s %d errors %+v, %d warnings", st.Status.Phase, st.Status.ErrorCount, st.Status.Errors, st.Status.WarningCount)
		}
		// Read back as stax-stub does, and served: the stub of what was read.
		_, got, err := stubclient.Fetch(ctx, s.Client, ns, "github")
		if err != nil || !bytes.Equal(got, doc) {
			t.Fatalf("document read back: %v, %d bytes of %d", err, len(got), len(doc))
		}
		d, err := stub.Parse(ctx, got)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := stub.NewServer(d, stub.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv)
		defer ts.Close()
		resp, err := http.Get(ts.URL + "/repos/octocat/hello-world/issues/x")
		if err != nil {
			t.Fatal(err)
		}
		problem, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(problem), "/path/issue_number") {
			t.Errorf("stub of the document read back: %d %s", resp.StatusCode, problem)
		}

		// Over the limit: 413, and the stored document stays.
		err = rc.Put().Namespace(ns).Resource("stubs").Name("github").SubResource("document").
			SetHeader("Content-Type", "application/octet-stream").Body(bytes.Repeat([]byte(" "), limit+1)).Do(ctx).Error()
		if !apierrors.IsRequestEntityTooLargeError(err) || !strings.Contains(err.Error(), "at most 16777216 bytes") {
			t.Errorf("over the limit: %v", err)
		}
		err = rc.Put().Namespace(ns).Resource("stubs").Name("github").SubResource("document").
			SetHeader("Content-Type", "application/octet-stream").Body([]byte(`{"openapi":"4.0.0"}`)).Do(ctx).Error()
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), `openapi "4.0.0" is not supported`) {
			t.Errorf("not a supported document: %v", err)
		}
		if again, err := stubs.Get(ctx, "github", metav1.GetOptions{}); err != nil || again.Status.Document.Digest != st.Status.Document.Digest {
			t.Errorf("a refused upload changed the document: %v", err)
		}

		// A smaller upload replaces it; the old chunks go with the Stub.
		small := stubTestdata(t, "petstore-3.0.yaml")
		if err := rc.Put().Namespace(ns).Resource("stubs").Name("github").SubResource("document").
			SetHeader("Content-Type", "application/octet-stream").Body(small).Do(ctx).Into(&st); err != nil || st.Status.Document.Chunks != 1 || st.Status.OperationCount != 20 {
			t.Errorf("replacing upload: %v %+v", err, st.Status.Document)
		}
		if err := stubs.Delete(ctx, "github", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := rc.Get().Namespace(ns).Resource("stubs").Name("github").SubResource("document").Do(ctx).Error(); !apierrors.IsNotFound(err) {
			t.Errorf("document of a deleted stub: %v", err)
		}
	})

	t.Run("POST /v1/stubs/generate", func(t *testing.T) {
		if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
			ObjectMeta: metav1.ObjectMeta{Name: ns}, Spec: staxv1.OrganizationSpec{DisplayName: "Acme"}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
		base := startGateway(t, s)
		c := &restClient{t: t, base: base, token: mintWithCLI(t, s, ns, "alice"), org: ns, http: &http.Client{Timeout: 3 * time.Minute}}
		var st staxv1.Stub
		// 13 MB through a gateway whose other bodies stop at 1 MiB.
		a := c.do("POST", "/v1/stubs/generate?name=gh&seed=9", "application/json", string(stubTestdata(t, "api.github.com.json.gz"))).
			expect(t, "github", 201, &st)
		if st.Name != "gh" || st.Spec.Seed != 9 || st.Status.OperationCount != 1223 || a.Header.Get("Location") != "/apis/stax.microstax.ai/v1alpha1/namespaces/"+ns+"/stubs/gh" {
			t.Errorf("github: %s seed %d, %d operations, Location %q", st.Name, st.Spec.Seed, st.Status.OperationCount, a.Header.Get("Location"))
		}
		c.do("POST", "/v1/stubs/generate?stateful=true", "application/yaml", string(stubTestdata(t, "petstore-3.0.yaml"))).expect(t, "yaml", 201, &st)
		if !strings.HasPrefix(st.Name, "stub-") || !st.Spec.Stateful || st.Status.Phase != staxv1.StubReady {
			t.Errorf("yaml: %s %+v", st.Name, st.Spec)
		}
		a = c.do("POST", "/v1/stubs/generate?name=bad", "application/json", `{"info":{}}`).expect(t, "not openapi", 422, nil)
		if !strings.Contains(causeFields(a), "document") {
			t.Errorf("not openapi: %+v", a.Error)
		}
		if _, err := stubs.Get(ctx, "bad", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("a refused document left its Stub: %v", err)
		}
		c.do("POST", "/v1/stubs/generate?seed=x", "application/json", `{}`).expect(t, "bad seed", 422, nil)
	})
}
