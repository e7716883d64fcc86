package diffpublish

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/fake"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func report(updated time.Time, endpoints ...diff.EndpointReport) diff.Report {
	return diff.Report{Since: t0, Updated: updated, Endpoints: endpoints}
}

func users(requests int64) diff.EndpointReport {
	return diff.EndpointReport{Endpoint: "GET /users/{id}", Requests: requests, Fields: []diff.FieldReport{
		{Field: "body.requestId", Kind: "value", Raw: requests, Noise: requests, RawRate: 1, NoiseRate: 1, Verdict: diff.VerdictNoise},
		{Field: "body.name", Kind: "value", Raw: requests / 4, RawRate: 0.25, Verdict: diff.VerdictDifference,
			Examples: []diff.Example{{Request: "GET /users/7", Primary: `"ann"`, Candidate: `"Ann"`}}},
	}}
}

var overlay = &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "feature", Namespace: "acme", UID: "u1"},
	Spec: staxv1.EnvironmentSpec{BaselineRef: &staxv1.BaselineReference{Name: "main"}}}

// serverLike is a fake clientset holding objects that, as the server
// does, makes the overlay the owner of each diff written.
func serverLike(objects ...runtime.Object) *fake.Clientset {
	client := fake.NewSimpleClientset(append([]runtime.Object{overlay.DeepCopy()}, objects...)...)
	own := func(a k8stesting.Action) (bool, runtime.Object, error) {
		d := a.(interface{ GetObject() runtime.Object }).GetObject().(*staxv1.EnvironmentDiff)
		d.OwnerReferences = []metav1.OwnerReference{{APIVersion: "stax.microstax.ai/v1alpha1", Kind: "Environment", Name: overlay.Name, UID: overlay.UID}}
		return false, nil, nil
	}
	client.PrependReactor("create", "environmentdiffs", own)
	client.PrependReactor("update", "environmentdiffs", own)
	return client
}

func TestPublishCreatesThenMerges(t *testing.T) {
	ctx := context.Background()
	client := serverLike()
	if err := Publish(ctx, client, "acme", "feature", overlay.UID, report(t0.Add(time.Minute), users(200))); err != nil {
		t.Fatal(err)
	}
	// A second front of the overlay publishes another endpoint; the first
	// front's endpoint stays.
	orders := diff.EndpointReport{Endpoint: "POST /orders", Requests: 10}
	if err := Publish(ctx, client, "acme", "feature", overlay.UID, report(t0.Add(2*time.Minute), orders)); err != nil {
		t.Fatal(err)
	}
	d, err := client.StaxV1alpha1().EnvironmentDiffs("acme").Get(ctx, "feature", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := d.Report
	if len(r.Endpoints) != 2 || r.Endpoints[0].Endpoint != "GET /users/{id}" || r.Endpoints[1].Endpoint != "POST /orders" {
		t.Fatalf("endpoints %+v", r.Endpoints)
	}
	if !r.Since.Time.Equal(t0) || !r.Updated.Time.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("since %v updated %v", r.Since, r.Updated)
	}
	u := r.Endpoints[0]
	// Differences first, then noise; rates with four places.
	if u.Fields[0].Field != "body.name" || u.Fields[0].RawRate != "0.2500" || u.Fields[0].Verdict != "Difference" ||
		u.Fields[1].NoiseRate != "1.0000" || u.Fields[0].Examples[0].Candidate != `"Ann"` {
		t.Errorf("fields %+v", u.Fields)
	}
	if !u.LastSeen.Time.Equal(t0.Add(time.Minute)) {
		t.Errorf("lastSeen %v", u.LastSeen)
	}

	// Unchanged counts keep lastSeen; grown counts move it.
	if err := Publish(ctx, client, "acme", "feature", overlay.UID, report(t0.Add(3*time.Minute), users(200), diff.EndpointReport{Endpoint: "POST /orders", Requests: 11})); err != nil {
		t.Fatal(err)
	}
	d, _ = client.StaxV1alpha1().EnvironmentDiffs("acme").Get(ctx, "feature", metav1.GetOptions{})
	if got := d.Report.Endpoints[0].LastSeen.Time; !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("users lastSeen moved to %v", got)
	}
	if got := d.Report.Endpoints[1].LastSeen.Time; !got.Equal(t0.Add(3 * time.Minute)) {
		t.Errorf("orders lastSeen %v", got)
	}
}

// A conflict (another front wrote between read and write) is retried on
// the fresh object; a refusal is returned as it is.
func TestPublishRetriesConflicts(t *testing.T) {
	ctx := context.Background()
	client := serverLike(&staxv1.EnvironmentDiff{ObjectMeta: metav1.ObjectMeta{Name: "feature", Namespace: "acme"}})
	conflicts := 2
	client.PrependReactor("update", "environmentdiffs", func(k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts > 0 {
			conflicts--
			return true, nil, apierrors.NewConflict(staxv1.Resource("environmentdiffs"), "feature", fmt.Errorf("the object has been modified"))
		}
		return false, nil, nil
	})
	if err := Publish(ctx, client, "acme", "feature", overlay.UID, report(t0, users(8))); err != nil {
		t.Fatal(err)
	}
	if conflicts != 0 {
		t.Fatalf("%d conflicts left", conflicts)
	}

	refused := serverLike()
	refused.PrependReactor("create", "environmentdiffs", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewConflict(staxv1.Resource("environmentdiffs"), "feature", fmt.Errorf("the overlay is being deleted"))
	})
	if err := Publish(ctx, refused, "acme", "feature", overlay.UID, report(t0, users(8))); !apierrors.IsConflict(err) {
		t.Fatalf("want the server's 409 after retries, got %v", err)
	}
}

// A diff left by an earlier overlay of the same name is replaced, not
// merged into the new overlay's.
func TestPublishReplacesAnEarlierOverlaysDiff(t *testing.T) {
	ctx := context.Background()
	stale := &staxv1.EnvironmentDiff{ObjectMeta: metav1.ObjectMeta{Name: "feature", Namespace: "acme",
		OwnerReferences: []metav1.OwnerReference{{Kind: "Environment", Name: "feature", UID: "u0"}}},
		Report: staxv1.DiffReport{Endpoints: []staxv1.EndpointDiff{{Endpoint: "GET /old", Requests: 3}}}}
	client := serverLike(stale)
	if err := Publish(ctx, client, "acme", "feature", "", report(t0, users(8))); err != nil {
		t.Fatal(err)
	}
	d, _ := client.StaxV1alpha1().EnvironmentDiffs("acme").Get(ctx, "feature", metav1.GetOptions{})
	if len(d.Report.Endpoints) != 1 || d.Report.Endpoints[0].Endpoint != "GET /users/{id}" || d.OwnerReferences[0].UID != "u1" {
		t.Fatalf("report %+v owners %+v", d.Report.Endpoints, d.OwnerReferences)
	}
	if err := Publish(ctx, fake.NewSimpleClientset(), "acme", "feature", "", report(t0)); !apierrors.IsNotFound(err) {
		t.Fatalf("no overlay: want 404, got %v", err)
	}
}

// A report of an overlay since deleted is not written into the diff of
// the later overlay of its name: the uid tells them apart.
func TestPublishRefusesALaterOverlayOfTheName(t *testing.T) {
	ctx := context.Background()
	client := serverLike()
	if err := Publish(ctx, client, "acme", "feature", overlay.UID, report(t0, users(8))); err != nil {
		t.Fatal(err)
	}
	client.ClearActions()
	err := Publish(ctx, client, "acme", "feature", "u0", report(t0, users(100)))
	var status apierrors.APIStatus
	if !apierrors.IsNotFound(err) || !errors.As(err, &status) || status.Status().Details.UID != "u0" {
		t.Fatalf("publish for an earlier overlay: want 404 naming its uid, got %v", err)
	}
	for _, a := range client.Actions() {
		if a.GetVerb() != "get" {
			t.Errorf("publish for an earlier overlay wrote: %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
	if got := stored(t, client)["GET /users/{id}"]; got != 8 {
		t.Errorf("stored %d requests, want the overlay's own 8", got)
	}
}

// However large the engine's report, what is published is within the
// server's bounds, and keeps the differences.
func TestMergeCutsToTheBounds(t *testing.T) {
	long := strings.Repeat("é", validation.MaxDiffExampleLength) // 2 bytes a character
	var eps []diff.EndpointReport
	for i := 0; i < validation.MaxDiffEndpoints+20; i++ {
		e := diff.EndpointReport{Endpoint: fmt.Sprintf("GET /e%03d", i), Requests: 10}
		for j := 0; j < validation.MaxDiffFieldsPerEndpoint+5; j++ {
			f := diff.FieldReport{Field: fmt.Sprintf("body.f%02d", j), Raw: 99, Noise: -1, RawRate: 9, NoiseRate: -1, Verdict: diff.VerdictNoise,
				Examples: []diff.Example{{Request: long}, {}, {}, {}, {}}}
			if i == validation.MaxDiffEndpoints+19 && j == validation.MaxDiffFieldsPerEndpoint+4 {
				f.Verdict = diff.VerdictDifference // the last field of the last endpoint
			}
			e.Fields = append(e.Fields, f)
		}
		eps = append(eps, e)
	}
	r := Merge(nil, report(t0, eps...))
	fields, examples := 0, 0
	var kept bool
	for _, e := range r.Endpoints {
		if len(e.Fields) > validation.MaxDiffFieldsPerEndpoint {
			t.Fatalf("%s: %d fields", e.Endpoint, len(e.Fields))
		}
		for _, f := range e.Fields {
			fields++
			examples += len(f.Examples)
			if f.Raw != 10 || f.Noise != 0 || f.RawRate != "1.0000" || f.NoiseRate != "0.0000" {
				t.Fatalf("counts not clamped: %+v", f)
			}
			if len(f.Examples) > 0 && (len(f.Examples[0].Request) > validation.MaxDiffExampleLength || !strings.HasPrefix(long, f.Examples[0].Request)) {
				t.Fatalf("example not cut at a character: %d bytes", len(f.Examples[0].Request))
			}
			kept = kept || f.Verdict == "Difference"
		}
	}
	if len(r.Endpoints) != validation.MaxDiffEndpoints || fields > validation.MaxDiffFields || examples > validation.MaxDiffExamples {
		t.Fatalf("%d endpoints, %d fields, %d examples", len(r.Endpoints), fields, examples)
	}
	if !kept {
		t.Fatal("the one difference was cut away")
	}
}
