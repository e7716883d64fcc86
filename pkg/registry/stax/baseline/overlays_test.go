package baseline_test

import (
	"context"
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/registry/registrytest"
)

func overlayRequest(name string, services ...stax.ServiceChange) *stax.OverlayRequest {
	return &stax.OverlayRequest{Spec: stax.OverlayRequestSpec{Name: name, Services: services}}
}

func TestCreateOverlay(t *testing.T) {
	s := newStores(t)
	s.environmentIn(t, "shop", stax.EnvironmentReady, "")
	if _, err := s.promote("main", "shop"); err != nil {
		t.Fatal(err)
	}
	overlays := s.baselines.Overlays

	obj, err := overlays.Create(ctx, "main", overlayRequest("feature",
		stax.ServiceChange{Name: "web", Image: "web:2"},
		stax.ServiceChange{Name: "cache", Command: []string{"./cache"}, DependsOn: []string{"web"}}), nil, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env := obj.(*stax.Environment)
	if env.Spec.BaselineRef == nil || env.Spec.BaselineRef.Name != "main" || len(env.Spec.Blueprint.Services) != 2 {
		t.Fatalf("overlay spec = %+v", env.Spec)
	}
	web, cache := env.Spec.Blueprint.Services[0], env.Spec.Blueprint.Services[1]
	if web.Image != "web:2" || len(web.Ports) != 1 || web.Command[0] != "web" {
		t.Errorf("web is not the baseline's with a new image: %+v", web)
	}
	if cache.Replicas == nil || *cache.Replicas != 1 {
		t.Errorf("a new service's replicas default to 1: %v", cache.Replicas)
	}
	// The environments strategy ran: the creator is recorded.
	if env.Annotations[stax.AnnotationCreatedBy] != "alice" || env.Generation != 1 {
		t.Errorf("created through the strategy? annotations %v, generation %d", env.Annotations, env.Generation)
	}

	change := stax.ServiceChange{Name: "web", Image: "web:3"}
	for _, tc := range []struct {
		name     string
		baseline string
		req      *stax.OverlayRequest
		check    func(error) bool
	}{
		{"an unknown baseline", "nope", overlayRequest("x", change), apierrors.IsNotFound},
		{"a name already taken", "main", overlayRequest("feature", change), apierrors.IsAlreadyExists},
		{"a name taken by the baseline's own environment", "main", overlayRequest("shop", change), apierrors.IsAlreadyExists},
		{"no change", "main", overlayRequest("x"), func(err error) bool {
			return apierrors.IsInvalid(err) && registrytest.HasCause(err, "spec.services")
		}},
		{"a field a baseline service keeps", "main", overlayRequest("x", stax.ServiceChange{Name: "web", Ports: []stax.ServicePort{{Name: "http", Port: 1}}}), func(err error) bool {
			return apierrors.IsInvalid(err) && registrytest.HasCause(err, "spec.services[0].ports")
		}},
		{"the union's check: a dependency neither has", "main", overlayRequest("x", stax.ServiceChange{Name: "cache", Command: []string{"c"}, DependsOn: []string{"redis"}}), func(err error) bool {
			return apierrors.IsInvalid(err) && registrytest.HasCause(err, "spec.blueprint.services[0].dependsOn[0]")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := overlays.Create(ctx, tc.baseline, tc.req, nil, &metav1.CreateOptions{})
			if !tc.check(err) {
				t.Fatalf("got %v", err)
			}
		})
	}

	t.Run("dry run stores nothing", func(t *testing.T) {
		if _, err := overlays.Create(ctx, "main", overlayRequest("dry", change), nil, &metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.envs.Environment.Get(ctx, "dry", &metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("a dry-run overlay was stored: %v", err)
		}
	})

	t.Run("authorized and admitted as an Environment create", func(t *testing.T) {
		overlays.Authorize = authorizer.AuthorizerFunc(func(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
			if a.GetResource() == "environments" && a.GetVerb() == "create" && a.GetName() == "denied" {
				return authorizer.DecisionDeny, "alice may not create environments", nil
			}
			return authorizer.DecisionAllow, "", nil
		})
		overlays.Admit = refuseEnvironment("admitted-not")
		t.Cleanup(func() { overlays.Authorize, overlays.Admit = nil, nil })
		if _, err := overlays.Create(ctx, "main", overlayRequest("denied", change), nil, &metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("want 403, got %v", err)
		}
		if _, err := overlays.Create(ctx, "main", overlayRequest("admitted-not", change), nil, &metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
			t.Errorf("want the admission's refusal, got %v", err)
		}
		if _, err := overlays.Create(ctx, "main", overlayRequest("admitted", change), nil, &metav1.CreateOptions{}); err != nil {
			t.Errorf("allowed and admitted: %v", err)
		}
	})

	t.Run("a baseline being deleted", func(t *testing.T) {
		for _, name := range []string{"feature", "admitted"} {
			if _, _, err := s.envs.Environment.Delete(ctx, name, nil, &metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := s.baselines.Baseline.Delete(ctx, "main", nil, &metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err := overlays.Create(ctx, "main", overlayRequest("late", change), nil, &metav1.CreateOptions{})
		if !isConflictNaming(err, "being deleted") {
			t.Fatalf("want 409, got %v", err)
		}
	})
}

// refuseEnvironment is a validating admission plugin that refuses the
// Environment named name, as a webhook would.
type refuseEnvironment string

func (refuseEnvironment) Handles(op admission.Operation) bool { return op == admission.Create }

func (r refuseEnvironment) Validate(ctx context.Context, a admission.Attributes, o admission.ObjectInterfaces) error {
	if a.GetKind().Kind == "Environment" && a.GetResource().Resource == "environments" && a.GetName() == string(r) {
		return admission.NewForbidden(a, errors.New("refused by admission"))
	}
	return nil
}
