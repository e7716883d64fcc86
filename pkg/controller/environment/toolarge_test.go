package environment

import (
	"context"
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// TestSyncFailsAStatusTooLargeToStore: when etcd refuses the status for its
// size, the controller stores a Failed status without the service list and
// does not try that generation again.
func TestSyncFailsAStatusTooLargeToStore(t *testing.T) {
	rt := &fakeRuntime{}
	c, client := harness(t, testEnvironment(), rt, &fakeActivity{})
	// As the apiserver answers etcd's refusal: a 500 with etcd's message.
	tooLarge := apierrors.NewInternalError(errString("etcdserver: request is too large"))
	client.PrependReactor("update", "environments", func(a k8stesting.Action) (bool, kruntime.Object, error) {
		u, ok := a.(k8stesting.UpdateAction)
		if !ok || a.GetSubresource() != "status" {
			return false, nil, nil
		}
		if env := u.GetObject().(*staxv1.Environment); len(env.Status.Services) > 0 {
			return true, nil, tooLarge
		}
		return false, nil, nil
	})
	poll, err := c.sync(context.Background(), "acme/demo")
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if got := writes(client); !slices.Equal(got, []string{"update environments/status", "update environments/status"}) {
		t.Fatalf("writes = %v, want the refused status then the Failed one", got)
	}
	st := stored(t, client).Status
	ready := findCondition(st, staxv1.ConditionReady)
	if st.Phase != staxv1.EnvironmentFailed || st.Services != nil || st.ObservedGeneration != 1 ||
		ready == nil || ready.Reason != ReasonStatusTooLarge {
		t.Fatalf("status = %+v", st)
	}
	if poll != c.SteadyPoll {
		t.Errorf("poll %v, want the steady %v", poll, c.SteadyPoll)
	}

	// The same generation again: neither the runtime nor a write.
	updateLister(t, c, stored(t, client))
	rt.calls = nil
	client.ClearActions()
	if _, err := c.sync(context.Background(), "acme/demo"); err != nil {
		t.Fatal(err)
	}
	if len(rt.calls) != 0 || len(writes(client)) != 0 {
		t.Errorf("retried a generation whose status cannot be stored: runtime %v, writes %v", rt.calls, writes(client))
	}

	// A new generation (a smaller blueprint, say) is tried again.
	next := stored(t, client)
	next.Generation = 2
	updateLister(t, c, next)
	if _, err := c.sync(context.Background(), "acme/demo"); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rt.calls, "apply") {
		t.Errorf("a new generation was not applied: %v", rt.calls)
	}
}

func TestIsTooLarge(t *testing.T) {
	gr := schema.GroupResource{Group: "stax.microstax.ai", Resource: "environments"}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{apierrors.NewInternalError(errString("etcdserver: request is too large")), true},
		{apierrors.NewInternalError(errString("rpc error: code = ResourceExhausted desc = trying to send message larger than max (2212587 vs. 2097152)")), true},
		{apierrors.NewRequestEntityTooLargeError("limit is 3145728"), true},
		{apierrors.NewInternalError(errString("etcdserver: leader changed")), false},
		{apierrors.NewConflict(gr, "demo", errString("stale")), false},
		{nil, false},
	} {
		if got := isTooLarge(tc.err); got != tc.want {
			t.Errorf("isTooLarge(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

type errString string

func (s errString) Error() string { return string(s) }
