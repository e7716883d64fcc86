package drift

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/fake"
	"github.com/microstax/stax/pkg/generated/informers/externalversions"
	"github.com/microstax/stax/pkg/runtime"
)

// scripted is a runtime whose drift the test sets; the runtimes' own
// detection is tested in their packages and end to end.
type scripted struct {
	drift      []runtime.Drift
	remediated int
	events     []string
}

func (s *scripted) Drift(ctx context.Context, plan runtime.Plan) ([]runtime.Drift, error) {
	return s.drift, nil
}

func (s *scripted) Remediate(ctx context.Context, plan runtime.Plan, d []runtime.Drift) error {
	s.remediated++
	s.drift = nil
	return nil
}

func (s *scripted) RecordDrift(ctx context.Context, org, env string, d []runtime.Drift, remediated bool) error {
	s.events = append(s.events, fmt.Sprintf("%s/%s %d remediated=%v", org, env, len(d), remediated))
	return nil
}

func organization(policy *staxv1.DriftPolicy) *staxv1.Organization {
	return &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: "acme"}, Spec: staxv1.OrganizationSpec{DriftPolicy: policy}}
}

func readyEnvironment() *staxv1.Environment {
	two := int32(2)
	return &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "acme", Generation: 1},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
			{Name: "api", Image: "acme/api:1", Replicas: &two}}}},
		Status: staxv1.EnvironmentStatus{Phase: staxv1.EnvironmentReady, ObservedGeneration: 1,
			Conditions: []metav1.Condition{{Type: staxv1.ConditionProvisioned, Status: metav1.ConditionTrue}}},
	}
}

type harness struct {
	t       *testing.T
	c       *Controller
	client  *fake.Clientset
	rt      *scripted
	now     time.Time
	indexer cache.Indexer
}

func newHarness(t *testing.T, org *staxv1.Organization, env *staxv1.Environment) *harness {
	t.Helper()
	client := fake.NewSimpleClientset([]k8sruntime.Object{org, env}...)
	factory := externalversions.NewSharedInformerFactory(client, 0)
	envs, orgs := factory.Stax().V1alpha1().Environments(), factory.Stax().V1alpha1().Organizations()
	if err := envs.Informer().GetIndexer().Add(env); err != nil {
		t.Fatal(err)
	}
	if err := orgs.Informer().GetIndexer().Add(org); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, client: client, rt: &scripted{}, now: time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC),
		indexer: envs.Informer().GetIndexer()}
	h.c = New(client, envs, orgs, h.rt)
	h.c.now = func() time.Time { return h.now }
	return h
}

// sync runs one sync and feeds the written status back into the lister,
// as the informer would.
func (h *harness) sync() (*staxv1.Environment, time.Duration) {
	h.t.Helper()
	again, err := h.c.sync(context.Background(), "acme/shop")
	if err != nil {
		h.t.Fatal(err)
	}
	env, err := h.client.StaxV1alpha1().Environments("acme").Get(context.Background(), "shop", metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.indexer.Update(env); err != nil {
		h.t.Fatal(err)
	}
	return env, again
}

var scaled = runtime.Drift{Service: "api", Field: runtime.DriftReplicas, Expected: "2", Actual: "5"}

func drifted(env *staxv1.Environment) *metav1.Condition {
	return meta.FindStatusCondition(env.Status.Conditions, staxv1.ConditionDrifted)
}

// TestDetect: under detect, drift is reported (condition, history, one
// Event) and never remediated; once gone, its record is resolved.
func TestDetect(t *testing.T) {
	h := newHarness(t, organization(&staxv1.DriftPolicy{Mode: staxv1.DriftDetect}), readyEnvironment())
	env, _ := h.sync()
	if c := drifted(env); c == nil || c.Status != metav1.ConditionFalse || c.Reason != ReasonInSync {
		t.Fatalf("in sync: %+v", c)
	}
	h.rt.drift = []runtime.Drift{scaled}
	for i := 0; i < 3; i++ {
		h.now = h.now.Add(time.Hour)
		env, _ = h.sync()
	}
	c := drifted(env)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != ReasonDrifted || c.Message != "api replicas: want 2, have 5" {
		t.Fatalf("drifted: %+v", c)
	}
	d := env.Status.Drift
	if len(d.History) != 1 || d.History[0].ResolvedAt != nil || d.Remediations != 0 || h.rt.remediated != 0 || len(h.rt.events) != 1 {
		t.Fatalf("detect: %+v, remediated %d, events %v", d, h.rt.remediated, h.rt.events)
	}
	h.rt.drift = nil
	env, _ = h.sync()
	if r := env.Status.Drift.History[0]; r.ResolvedAt == nil || r.Remediated || drifted(env).Reason != ReasonInSync {
		t.Fatalf("resolved by hand: %+v %+v", r, drifted(env))
	}
}

// TestRemediateAfterGrace: under remediate the plan is restored once the
// drift lasted the grace period, not before; remediations are counted.
func TestRemediateAfterGrace(t *testing.T) {
	h := newHarness(t, organization(&staxv1.DriftPolicy{Mode: staxv1.DriftRemediate, GracePeriod: &metav1.Duration{Duration: 30 * time.Second}}), readyEnvironment())
	h.rt.drift = []runtime.Drift{scaled}
	_, again := h.sync()
	if h.rt.remediated != 0 || again != h.c.Interval {
		t.Fatalf("remediated at once (%d) or wrong revisit %s", h.rt.remediated, again)
	}
	h.now = h.now.Add(25 * time.Second)
	if _, again = h.sync(); h.rt.remediated != 0 || again != 5*time.Second {
		t.Fatalf("within the grace: remediated %d, revisit %s (want 5s)", h.rt.remediated, again)
	}
	h.now = h.now.Add(5 * time.Second)
	env, _ := h.sync()
	if h.rt.remediated != 1 || env.Status.Drift.Remediations != 1 || env.Status.Drift.LastRemediationTime == nil || len(h.rt.events) != 2 {
		t.Fatalf("after the grace: remediated %d, status %+v, events %v", h.rt.remediated, env.Status.Drift, h.rt.events)
	}
	h.now = h.now.Add(time.Second)
	env, _ = h.sync()
	if r := env.Status.Drift.History[0]; r.ResolvedAt == nil || !r.Remediated || drifted(env).Reason != ReasonRemediated {
		t.Fatalf("restored: %+v %+v", r, drifted(env))
	}
}

// TestRemediationIsNotALoop: drift the runtime cannot undo is restored
// again no sooner than a grace period (or a check) after the last time.
func TestRemediationIsNotALoop(t *testing.T) {
	h := newHarness(t, organization(&staxv1.DriftPolicy{Mode: staxv1.DriftRemediate, GracePeriod: &metav1.Duration{}}), readyEnvironment())
	stubborn := &stubbornRuntime{scripted{drift: []runtime.Drift{scaled}}}
	h.c.detector, h.c.recorder = stubborn, stubborn
	h.sync()
	if stubborn.remediated != 1 {
		t.Fatalf("remediated %d times, want 1", stubborn.remediated)
	}
	h.now = h.now.Add(time.Second)
	_, again := h.sync()
	if stubborn.remediated != 1 || again != h.c.Interval-time.Second {
		t.Fatalf("a second remediation after 1s (%d) or revisit %s", stubborn.remediated, again)
	}
	h.now = h.now.Add(h.c.Interval)
	env, _ := h.sync()
	if stubborn.remediated != 2 || env.Status.Drift.Remediations != 2 || drifted(env).Status != metav1.ConditionTrue {
		t.Fatalf("after a check: remediated %d, status %+v", stubborn.remediated, env.Status.Drift)
	}
}

// stubbornRuntime's drift survives remediation.
type stubbornRuntime struct{ scripted }

func (s *stubbornRuntime) Remediate(ctx context.Context, plan runtime.Plan, d []runtime.Drift) error {
	s.remediated++
	return nil
}

// TestIgnoreAndOff: ignored drift is not reported; mode off removes the
// condition and checks nothing; a stopped environment is not checked.
func TestIgnoreAndOff(t *testing.T) {
	policy := &staxv1.DriftPolicy{Mode: staxv1.DriftRemediate, GracePeriod: &metav1.Duration{},
		Ignore: []staxv1.DriftIgnoreRule{{Services: []string{"api"}, Fields: []string{runtime.DriftReplicas}}}}
	h := newHarness(t, organization(policy), readyEnvironment())
	h.rt.drift = []runtime.Drift{scaled}
	env, _ := h.sync()
	if c := drifted(env); c.Status != metav1.ConditionFalse || h.rt.remediated != 0 || len(env.Status.Drift.History) != 0 {
		t.Fatalf("ignored drift reported: %+v %+v", c, env.Status.Drift)
	}
	policy.Mode = staxv1.DriftOff
	env, _ = h.sync()
	if drifted(env) != nil {
		t.Fatalf("off keeps the condition: %+v", drifted(env))
	}
	stopped := readyEnvironment()
	stopped.Spec.Paused = true
	if checkable(stopped) {
		t.Errorf("a paused environment is checked")
	}
	failed := readyEnvironment()
	failed.Status.Phase = staxv1.EnvironmentFailed
	if checkable(failed) {
		t.Errorf("a failed environment is checked")
	}
	missing := readyEnvironment()
	missing.Status.Phase = staxv1.EnvironmentProvisioning
	if !checkable(missing) {
		t.Errorf("an environment missing a Deployment (Provisioning) is not checked")
	}
	moved := readyEnvironment()
	moved.Generation = 2
	if checkable(moved) {
		t.Errorf("an environment whose new spec is not applied yet is checked")
	}
}

// TestHistoryIsBounded: at most MaxHistory records, resolved ones dropped
// first, the open ones kept.
func TestHistoryIsBounded(t *testing.T) {
	st := &staxv1.EnvironmentDrift{}
	now := metav1.NewTime(time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC))
	keep := runtime.Drift{Service: "db", Field: runtime.DriftImage, Expected: "a", Actual: "b"}
	for i := 0; i < 3*MaxHistory; i++ {
		observed(st, []runtime.Drift{keep, {Service: fmt.Sprintf("s%d", i), Field: runtime.DriftEnv}}, now)
	}
	if len(st.History) != MaxHistory {
		t.Fatalf("%d records", len(st.History))
	}
	if st.History[0].Service != "db" || st.History[0].ResolvedAt != nil {
		t.Errorf("the open record went: %+v", st.History[0])
	}
	if last := st.History[MaxHistory-1]; last.Service != fmt.Sprintf("s%d", 3*MaxHistory-1) || last.ResolvedAt != nil {
		t.Errorf("newest record: %+v", last)
	}
}

// TestStaleCopyDoesNotUndoARemediation: a sync that runs on a cached copy
// from before this controller's own last write (the remediation's) must
// not write what it computed from that copy over it. Seen end to end: the
// environment controller's status write brought a sync whose copy
// predated the remediation, the record was resolved as not remediated and
// the count went back.
func TestStaleCopyDoesNotUndoARemediation(t *testing.T) {
	h := newHarness(t, organization(&staxv1.DriftPolicy{Mode: staxv1.DriftRemediate, GracePeriod: &metav1.Duration{Duration: 5 * time.Second}}), readyEnvironment())
	h.rt.drift = []runtime.Drift{scaled}
	before, _ := h.sync() // detected
	stale := before.DeepCopy()
	h.now = h.now.Add(5 * time.Second)
	if env, _ := h.sync(); h.rt.remediated != 1 || env.Status.Drift.Remediations != 1 {
		t.Fatalf("not remediated: %d, %+v", h.rt.remediated, env.Status.Drift)
	}

	// The cache still shows the copy from before the remediation; the
	// server refuses its resourceVersion once, as it would.
	if err := h.indexer.Update(stale); err != nil {
		t.Fatal(err)
	}
	h.conflictOnce()
	h.now = h.now.Add(time.Second)
	if _, err := h.c.sync(context.Background(), "acme/shop"); !apierrors.IsConflict(err) {
		t.Errorf("a sync on a stale copy: %v, want the conflict back so that it runs again", err)
	}
	env, err := h.client.StaxV1alpha1().Environments("acme").Get(context.Background(), "shop", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := env.Status.Drift.History[0]; env.Status.Drift.Remediations != 1 || !r.Remediated {
		t.Fatalf("the stale sync undid the remediation: %+v", env.Status.Drift)
	}

	// On a fresh copy the record is resolved and stays remediated.
	if err := h.indexer.Update(env); err != nil {
		t.Fatal(err)
	}
	env, _ = h.sync()
	if r := env.Status.Drift.History[0]; r.ResolvedAt == nil || !r.Remediated || env.Status.Drift.Remediations != 1 {
		t.Fatalf("after a fresh sync: %+v", env.Status.Drift)
	}
}

// TestConflictWithOthersFieldsIsMerged: a conflict over fields this
// controller does not own (the environment controller wrote first) puts
// the drift status on the newest version instead of giving up.
func TestConflictWithOthersFieldsIsMerged(t *testing.T) {
	h := newHarness(t, organization(&staxv1.DriftPolicy{Mode: staxv1.DriftDetect}), readyEnvironment())
	h.rt.drift = []runtime.Drift{scaled}
	conflicts := h.conflictOnce()
	env, _ := h.sync()
	if *conflicts != 1 || env.Status.Drift == nil || len(env.Status.Drift.History) != 1 || drifted(env) == nil {
		t.Fatalf("after one conflict: %d conflicts, %+v", *conflicts, env.Status.Drift)
	}
}

// conflictOnce makes the server refuse the next status write with a
// conflict, as it refuses a stale resourceVersion; it counts the refusals.
func (h *harness) conflictOnce() *int {
	conflicts := 0
	h.client.PrependReactor("update", "environments", func(action k8stesting.Action) (bool, k8sruntime.Object, error) {
		if action.GetSubresource() != "status" || conflicts > 0 {
			return false, nil, nil
		}
		conflicts++
		return true, nil, apierrors.NewConflict(staxv1.Resource("environments"), "shop", fmt.Errorf("stale"))
	})
	return &conflicts
}
