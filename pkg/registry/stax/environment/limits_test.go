package environment_test

import (
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/registry/registrytest"
	"github.com/microstax/stax/pkg/registry/stax/environment"
)

// overDefaults is an environment above the default bounds: 40 ports and 80
// replicas on api.
func overDefaults(name string) *stax.Environment {
	env := newEnvironment(name)
	api := &env.Spec.Blueprint.Services[1]
	api.Replicas = int32p(80)
	for i := 0; i < 40; i++ {
		api.Ports = append(api.Ports, stax.ServicePort{Name: fmt.Sprintf("p%d", i), Port: int32(9000 + i), Protocol: stax.ProtocolTCP})
	}
	return env
}

func TestStrategyBoundsComeFromItsLimits(t *testing.T) {
	env := overDefaults("big")
	if errs := environment.NewStrategy(registrytest.Scheme, validation.DefaultLimits).Validate(registrytest.Context("acme", "alice"), env); !registrytest.HasError(errs, "spec.blueprint.services[1].ports", field.ErrorTypeTooMany) {
		t.Errorf("40 ports passed the default limits: %v", errs)
	}
	high := validation.Limits{MaxPortsPerService: 64, MaxReplicasPerService: 100}
	if errs := environment.NewStrategy(registrytest.Scheme, high).Validate(registrytest.Context("acme", "alice"), env); len(errs) != 0 {
		t.Errorf("refused under higher limits: %v", errs)
	}
}

// TestBoundsRatchetThroughStorage: an environment created under high limits
// stays writable by its controller and deletable after a restart with lower
// ones; only an update that makes it worse is refused.
func TestBoundsRatchetThroughStorage(t *testing.T) {
	opts := registrytest.RESTOptions(t) // one etcd prefix: two servers, one after the other
	high := validation.Limits{MaxPortsPerService: 64, MaxReplicasPerService: 100}
	before, err := environment.NewStorage(registrytest.Scheme, opts, nil, nil, high)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(before.Environment.Store.DestroyFunc)
	env := overDefaults("big")
	env.Finalizers = []string{"stax.microstax.ai/teardown"}
	create(t, before, env)

	after, err := environment.NewStorage(registrytest.Scheme, opts, nil, nil, validation.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(after.Environment.Store.DestroyFunc)
	ctx := registrytest.Context("acme", "controller")

	if _, err := after.Environment.Create(ctx, overDefaults("second"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); !apierrors.IsInvalid(err) || !registrytest.HasCause(err, "spec.blueprint.services[1].ports") {
		t.Fatalf("a new environment over the lowered bounds: want 422 on spec.blueprint.services[1].ports, got %v", err)
	}

	stored := get(t, after, "big")
	stored.Status.Phase = stax.EnvironmentReady
	if _, err := update(ctx, after.Status, stored); err != nil {
		t.Fatalf("status write refused after the bounds were lowered: %v", err)
	}

	stored = get(t, after, "big")
	stored.Spec.DisplayName = "Renamed"
	stored.Spec.Blueprint.Services[1].Replicas = int32p(70) // smaller, still over
	if _, err := update(ctx, after.Environment, stored); err != nil {
		t.Fatalf("a spec update that keeps the over-bound parts refused: %v", err)
	}

	worse := get(t, after, "big")
	worse.Spec.Blueprint.Services[1].Replicas = int32p(90)
	if _, err := update(ctx, after.Environment, worse); !apierrors.IsInvalid(err) || !registrytest.HasCause(err, "spec.blueprint.services[1].replicas") {
		t.Fatalf("growing replicas over the bound: want 422 on spec.blueprint.services[1].replicas, got %v", err)
	}

	// Delete: the finalizer holds it, the controller's removal is an update.
	if _, _, err := after.Environment.Delete(ctx, "big", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete refused: %v", err)
	}
	stored = get(t, after, "big")
	stored.Finalizers = nil
	if _, err := update(ctx, after.Environment, stored); err != nil {
		t.Fatalf("removing the finalizer refused: %v", err)
	}
	if _, err := after.Environment.Get(ctx, "big", &metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
}
