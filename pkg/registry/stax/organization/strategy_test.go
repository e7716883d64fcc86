package organization_test

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/registry/registrytest"
	"github.com/microstax/stax/pkg/registry/stax/organization"
)

func int32p(i int32) *int32 { return &i }

func quantity(s string) *resource.Quantity { q := resource.MustParse(s); return &q }

func newOrganization(name string) *stax.Organization {
	return &stax.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       stax.OrganizationSpec{DisplayName: "Acme", Tier: stax.TierStandard},
	}
}

func TestStrategy(t *testing.T) {
	s := organization.NewStrategy(registrytest.Scheme)
	ctx := context.Background()
	if s.NamespaceScoped() || s.AllowCreateOnUpdate(ctx) {
		t.Errorf("organizations are cluster-scoped and never created by an update")
	}

	org := newOrganization("acme")
	org.Generation = 9
	s.PrepareForCreate(ctx, org)
	if org.Generation != 1 {
		t.Errorf("created at generation %d, want 1", org.Generation)
	}
	if errs := s.Validate(ctx, org); len(errs) != 0 {
		t.Errorf("a valid organization refused: %v", errs)
	}
	zero := newOrganization("acme")
	zero.Spec.Quota = &stax.OrganizationQuota{Environments: int32p(0), Replicas: int32p(0), CPU: quantity("0"), Memory: quantity("0")}
	if errs := s.Validate(ctx, zero); len(errs) != 0 {
		t.Errorf("a quota of zero refused: %v", errs)
	}
	for _, c := range []struct {
		mutate func(*stax.Organization)
		path   string
		typ    field.ErrorType
	}{
		// The name is also a namespace's: a DNS-1123 label.
		{func(o *stax.Organization) { o.Name = "acme.corp" }, "metadata.name", field.ErrorTypeInvalid},
		{func(o *stax.Organization) { o.Spec.Tier = "gold" }, "spec.tier", field.ErrorTypeNotSupported},
		{func(o *stax.Organization) { o.Spec.RequestsPerMinute = int32p(500) }, "spec.requestsPerMinute", field.ErrorTypeForbidden},
		{func(o *stax.Organization) { o.Spec.Tier, o.Spec.RequestsPerMinute = stax.TierEnterprise, int32p(0) }, "spec.requestsPerMinute", field.ErrorTypeInvalid},
		// Quota caps are non-negative; zero is a cap, unset is unlimited.
		{func(o *stax.Organization) { o.Spec.Quota = &stax.OrganizationQuota{Environments: int32p(-1)} }, "spec.quota.environments", field.ErrorTypeInvalid},
		{func(o *stax.Organization) { o.Spec.Quota = &stax.OrganizationQuota{Replicas: int32p(-2)} }, "spec.quota.replicas", field.ErrorTypeInvalid},
		{func(o *stax.Organization) { o.Spec.Quota = &stax.OrganizationQuota{CPU: quantity("-100m")} }, "spec.quota.cpu", field.ErrorTypeInvalid},
		{func(o *stax.Organization) { o.Spec.Quota = &stax.OrganizationQuota{Memory: quantity("-1Gi")} }, "spec.quota.memory", field.ErrorTypeInvalid},
	} {
		o := newOrganization("acme")
		c.mutate(o)
		if errs := s.Validate(ctx, o); !registrytest.HasError(errs, c.path, c.typ) {
			t.Errorf("want %s %s, got %v", c.typ, c.path, errs)
		}
	}

	old := newOrganization("acme")
	old.ResourceVersion, old.Generation = "7", 3

	// The generation moves with the spec only, whatever the client sends.
	renamed := old.DeepCopy()
	renamed.Spec.DisplayName = "Acme Inc."
	renamed.Generation = 1
	s.PrepareForUpdate(ctx, renamed, old)
	if renamed.Generation != 4 {
		t.Errorf("spec change: generation %d, want 4", renamed.Generation)
	}
	labelled := old.DeepCopy()
	labelled.Labels = map[string]string{"region": "eu"}
	labelled.Generation = 40
	s.PrepareForUpdate(ctx, labelled, old)
	if labelled.Generation != 3 {
		t.Errorf("label change: generation %d, want 3", labelled.Generation)
	}
	upgraded := old.DeepCopy()
	upgraded.Spec.Tier, upgraded.Spec.RequestsPerMinute = stax.TierEnterprise, int32p(1000)
	s.PrepareForUpdate(ctx, upgraded, old)
	if errs := s.ValidateUpdate(ctx, upgraded, old); len(errs) != 0 {
		t.Errorf("an upgrade to enterprise refused: %v", errs)
	}
	if upgraded.Generation != 4 {
		t.Errorf("upgrade: generation %d, want 4", upgraded.Generation)
	}
}

func TestStorage(t *testing.T) {
	r, err := organization.NewREST(registrytest.Scheme, registrytest.RESTOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Store.DestroyFunc)
	ctx := registrytest.Context("", "admin")
	obj, err := r.Create(ctx, newOrganization("acme"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	org := obj.(*stax.Organization)
	if org.Generation != 1 || org.Namespace != "" {
		t.Fatalf("created %+v", org.ObjectMeta)
	}
	org.Spec.Tier = "gold"
	if _, _, err := r.Update(ctx, org.Name, rest.DefaultUpdatedObjectInfo(org), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("unknown tier: want 422, got %v", err)
	}
	org.Spec.Tier = stax.TierStandard
	org.Spec.DisplayName = "Acme Inc."
	obj, _, err = r.Update(ctx, org.Name, rest.DefaultUpdatedObjectInfo(org), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil || obj.(*stax.Organization).Generation != 2 {
		t.Fatalf("rename: %v %+v", err, obj)
	}

	registrytest.CheckFieldSelectors(t, r.Store, v1alpha1.SchemeGroupVersion.WithKind("Organization"))
}
