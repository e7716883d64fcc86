package environment

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/fake"
	"github.com/microstax/stax/pkg/runtime"
)

func shadowed(mutate func(*staxv1.ShadowSpec)) *staxv1.Environment {
	return testEnvironment(func(e *staxv1.Environment) {
		e.Spec.BaselineRef = &staxv1.BaselineReference{Name: "main"}
		since := metav1.NewTime(t0)
		e.Spec.Shadow = &staxv1.ShadowSpec{Enabled: true, Since: &since}
		if mutate != nil {
			mutate(e.Spec.Shadow)
		}
	})
}

var apiChanged = &runtime.BaselineLink{Environment: "shop", Changed: []runtime.BaselineService{{Name: "api"}}}

func TestShadowPlanFor(t *testing.T) {
	if p := shadowPlanFor(testEnvironment(), apiChanged); p != nil {
		t.Errorf("no shadow: %+v", p)
	}
	if p := shadowPlanFor(shadowed(func(s *staxv1.ShadowSpec) { s.Enabled = false }), apiChanged); p != nil {
		t.Errorf("off: %+v", p)
	}
	if p := shadowPlanFor(shadowed(nil), &runtime.BaselineLink{}); p != nil {
		t.Errorf("a baseline that is gone (nothing changed): %+v", p)
	}
	p := shadowPlanFor(shadowed(nil), apiChanged)
	if p == nil || p.Percent != 100 || !slices.Equal(p.Methods, []string{"GET", "HEAD", "OPTIONS"}) || p.Services != nil ||
		p.MaxRequests != 0 || !p.Until.IsZero() || p.AllowUnsafe {
		t.Errorf("defaults: %+v", p)
	}
	p = shadowPlanFor(shadowed(func(s *staxv1.ShadowSpec) {
		s.Percent, s.Methods, s.AllowUnsafe, s.Services = ptr.To[int32](25), []string{"GET", "POST"}, true, []string{"api"}
		s.Limit = &staxv1.ShadowLimit{Duration: &metav1.Duration{Duration: time.Hour}, Requests: ptr.To[int64](500)}
		s.Ignore = &staxv1.ShadowIgnore{Fields: []string{"body.ts"}, Headers: []string{"Date"}}
		s.Thresholds = &staxv1.DiffThresholds{RelativePercent: "20"}
	}), apiChanged)
	if p == nil || p.Percent != 25 || !slices.Equal(p.Methods, []string{"GET", "POST"}) || !p.AllowUnsafe ||
		!slices.Equal(p.Services, []string{"api"}) || p.MaxRequests != 500 || !p.Until.Equal(t0.Add(time.Hour)) {
		t.Errorf("settings: %+v", p)
	}
	// The engine's options travel with the plan, for stax-shadow.
	if c := p.Compare; !slices.Equal(c.IgnorePaths, []string{"body.ts"}) || !slices.Equal(c.IgnoreHeaders, []string{"Date"}) || c.Relative != 1.2 {
		t.Errorf("compare options: %+v", c)
	}
	// A named service the baseline no longer changes is left out; with
	// none left there is nothing to mirror, rather than a failed apply.
	if p := shadowPlanFor(shadowed(func(s *staxv1.ShadowSpec) { s.Services = []string{"db"} }), apiChanged); p != nil {
		t.Errorf("only a service the link does not change: %+v", p)
	}
}

func TestEngineOptions(t *testing.T) {
	o := engineOptions(&staxv1.ShadowSpec{
		Ignore:     &staxv1.ShadowIgnore{Fields: []string{"body.meta"}, Headers: []string{"Date"}},
		Thresholds: &staxv1.DiffThresholds{RelativePercent: "150", AbsolutePercent: "2.5"},
	})
	if o.Relative != 2.5 || math.Abs(o.MinExcessRate-0.025) > 1e-12 || !slices.Equal(o.IgnorePaths, []string{"body.meta"}) ||
		!slices.Equal(o.IgnoreHeaders, []string{"Date"}) {
		t.Errorf("%+v", o)
	}
	if o := engineOptions(&staxv1.ShadowSpec{Thresholds: &staxv1.DiffThresholds{AbsolutePercent: "0"}}); o.MinExcessRate <= 0 || o.Relative != 0 {
		t.Errorf("absolute 0 must be set (and relative left to the engine): %+v", o)
	}
	if o := engineOptions(&staxv1.ShadowSpec{}); o.Relative != 0 || o.MinExcessRate != 0 || o.MinRawRate != 0 {
		t.Errorf("no thresholds: %+v", o)
	}
}

// observeN feeds sink n exchanges of GET /users/{i} where the candidate's
// name differs.
func observeN(sink runtime.ShadowSink, n int) {
	for i := range n {
		ok := diff.Response{Status: 200, Header: map[string][]string{"Content-Type": {"application/json"}}, Body: []byte(`{"name":"ann"}`)}
		changed := ok
		changed.Body = []byte(`{"name":"Ann"}`)
		sink("api", diff.Exchange{Time: t0.Add(time.Duration(i) * time.Second), Method: "GET", Path: "/users/" + string(rune('1'+i%9)),
			Primary: ok, Secondary: ok, Candidate: changed})
	}
}

// One engine per overlay, kept across syncs, replaced when its settings
// change (the old one's report published), published only when it
// compared something new, continued after a restart from the stored
// report of the current window, dropped without a publish at teardown.
func TestShadowEngines(t *testing.T) {
	ctx := context.Background()
	env := shadowed(nil)
	client := fake.NewSimpleClientset(env)
	diffs := client.StaxV1alpha1().EnvironmentDiffs("acme")
	s := newShadowEngines(client)

	observeN(s.sinkFor(ctx, env), 6)
	observeN(s.sinkFor(ctx, env), 4) // the next sync: the same engine
	s.publishAll(ctx)
	d, err := diffs.Get(ctx, "demo", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Report.Endpoints) != 1 || d.Report.Endpoints[0].Endpoint != "api:GET /users/{id}" || d.Report.Endpoints[0].Requests != 10 ||
		d.Report.Endpoints[0].Fields[0].Field != "body.name" || d.Report.Endpoints[0].Fields[0].Verdict != "Difference" {
		t.Fatalf("published: %+v", d.Report)
	}
	client.ClearActions()
	s.publishAll(ctx)
	if n := len(client.Actions()); n != 0 {
		t.Errorf("nothing new, yet %d calls: %v", n, client.Actions())
	}

	// New settings: a new engine, and a new window of counts.
	env.Spec.Shadow.Ignore = &staxv1.ShadowIgnore{Fields: []string{"body.name"}}
	observeN(s.sinkFor(ctx, env), 3)
	s.publishAll(ctx)
	d, _ = diffs.Get(ctx, "demo", metav1.GetOptions{})
	if e := d.Report.Endpoints[0]; e.Requests != 3 || len(e.Fields) != 0 {
		t.Errorf("after a settings change: %+v", e)
	}

	// A restart: the server stored the diff with its owner; a new process's
	// engine continues the stored counts of the window.
	d.OwnerReferences = []metav1.OwnerReference{{APIVersion: "stax.microstax.ai/v1alpha1", Kind: "Environment", Name: "demo", UID: env.UID}}
	if _, err := diffs.Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	restarted := newShadowEngines(client)
	observeN(restarted.sinkFor(ctx, env), 2)
	restarted.publishAll(ctx)
	d, _ = diffs.Get(ctx, "demo", metav1.GetOptions{})
	if e := d.Report.Endpoints[0]; e.Requests != 5 {
		t.Errorf("after a restart: %d requests, want the stored 3 and 2 more", e.Requests)
	}
	// A window begun after the stored endpoints were last seen starts
	// fresh; as does a diff of another overlay of the name.
	later := env.DeepCopy()
	later.Spec.Shadow.Since = &metav1.Time{Time: t0.Add(time.Hour)}
	if e := newShadowEngines(client).engineOf(ctx, later); e.Requests() != 0 {
		t.Errorf("a later window restored %d requests", e.Requests())
	}
	other := env.DeepCopy()
	other.UID = "another-uid"
	if e := newShadowEngines(client).engineOf(ctx, other); e.Requests() != 0 {
		t.Errorf("another overlay's diff restored %d requests", e.Requests())
	}

	// Off: a last publish, and the engine goes.
	observeN(restarted.sinkFor(ctx, env), 1)
	restarted.off(ctx, env.UID)
	d, _ = diffs.Get(ctx, "demo", metav1.GetOptions{})
	if e := d.Report.Endpoints[0]; e.Requests != 6 {
		t.Errorf("the last publish at off: %d requests, want 6", e.Requests)
	}
	if len(restarted.engines) != 0 {
		t.Errorf("engines after off: %v", restarted.engines)
	}
	// Teardown: dropped, nothing written.
	observeN(restarted.sinkFor(ctx, env), 1)
	restarted.forget("acme", "demo", env.UID)
	client.ClearActions()
	restarted.publishAll(ctx)
	if len(restarted.engines) != 0 || len(client.Actions()) != 0 {
		t.Errorf("after forget: %d engines, calls %v", len(restarted.engines), client.Actions())
	}
}
