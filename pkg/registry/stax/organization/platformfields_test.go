package organization_test

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/identity"
	"github.com/microstax/stax/pkg/registry/registrytest"
	"github.com/microstax/stax/pkg/registry/stax/organization"
)

// TestPlatformFieldsStayWithThePlatform: an organization's admin (a token)
// changes its display name but not its tier, request rate or quota; a
// platform principal changes them all.
func TestPlatformFieldsStayWithThePlatform(t *testing.T) {
	r, err := organization.NewREST(registrytest.Scheme, registrytest.RESTOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Store.DestroyFunc)
	platform := registrytest.Context("", "admin")
	if _, err := r.Create(platform, newOrganization("acme"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tenant := genericapirequest.WithUser(genericapirequest.WithNamespace(context.Background(), ""),
		auth.UserFor(&identity.Result{Subject: "ada", Org: "acme", Groups: []string{auth.OrganizationAdminClaim}}))
	update := func(ctx context.Context, mutate func(*stax.OrganizationSpec)) error {
		obj, err := r.Get(platform, "acme", &metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		org := obj.(*stax.Organization)
		mutate(&org.Spec)
		_, _, err = r.Update(ctx, "acme", rest.DefaultUpdatedObjectInfo(org), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
		return err
	}
	if err := update(tenant, func(s *stax.OrganizationSpec) { s.DisplayName = "Acme Inc." }); err != nil {
		t.Errorf("admin renames: %v", err)
	}
	for name, mutate := range map[string]func(*stax.OrganizationSpec){
		"tier":  func(s *stax.OrganizationSpec) { s.Tier, s.RequestsPerMinute = stax.TierEnterprise, int32p(1000) },
		"quota": func(s *stax.OrganizationSpec) { s.Quota = &stax.OrganizationQuota{Environments: int32p(100)} },
	} {
		if err := update(tenant, mutate); !apierrors.IsForbidden(err) {
			t.Errorf("admin changes %s: want 403, got %v", name, err)
		}
		if err := update(platform, mutate); err != nil {
			t.Errorf("platform changes %s: %v", name, err)
		}
	}
	if err := update(tenant, func(s *stax.OrganizationSpec) { s.RequestsPerMinute = int32p(5000) }); !apierrors.IsForbidden(err) {
		t.Errorf("admin raises its request rate: want 403, got %v", err)
	}
}
