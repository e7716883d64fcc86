package baseline_test

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/registry/registrytest"
)

// TestCreateOverlayWithAStub: an overlay request turns a baseline's
// service into a stub (its image and command gone, the stub's default
// probe in place of the baseline's) and adds a new stub service, which
// gets a stub's defaults; a stub with an image is the merged
// Environment's 422.
func TestCreateOverlayWithAStub(t *testing.T) {
	s := newStores(t)
	s.environmentIn(t, "shop", stax.EnvironmentReady, "")
	if _, err := s.promote("main", "shop"); err != nil {
		t.Fatal(err)
	}
	obj, err := s.baselines.Overlays.Create(ctx, "main", overlayRequest("stubbed",
		stax.ServiceChange{Name: "web", Stub: &stax.StubServiceSource{Name: "web-api"}},
		stax.ServiceChange{Name: "pets", Stub: &stax.StubServiceSource{Name: "petstore"}}), nil, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env := obj.(*stax.Environment)
	web, pets := env.Spec.Blueprint.Services[0], env.Spec.Blueprint.Services[1]
	if web.Stub == nil || web.Stub.Name != "web-api" || web.Image != "" || len(web.Command) != 0 || len(web.Ports) != 1 || web.Ports[0].Port != 8080 {
		t.Errorf("web is not the baseline's web as a stub: %+v", web)
	}
	if web.Health == nil || web.Health.HTTP == nil || web.Health.HTTP.Path != stax.StubHealthPath {
		t.Errorf("web's probe is not the stub's: %+v", web.Health)
	}
	if pets.Stub == nil || pets.Stub.Name != "petstore" || len(pets.Ports) != 1 || pets.Health == nil || pets.Replicas == nil || *pets.Replicas != 1 {
		t.Errorf("a new stub service without a stub's defaults: %+v", pets)
	}

	_, err = s.baselines.Overlays.Create(ctx, "main", overlayRequest("both",
		stax.ServiceChange{Name: "web", Image: "web:2", Stub: &stax.StubServiceSource{Name: "web-api"}}), nil, &metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !registrytest.HasCause(err, "spec.blueprint.services[0].image") {
		t.Fatalf("a stub with an image: want 422 on spec.blueprint.services[0].image, got %v", err)
	}
}
