package organization_test

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/identity"
	"github.com/microstax/stax/pkg/registry/registrytest"
	"github.com/microstax/stax/pkg/registry/stax/organization"
)

// TestPricingByAdminsOnly: a member's token may not change the price sheet
// or the record retention (403); the organization's admin and the
// platform may; a malformed sheet is refused with its field's path.
func TestPricingByAdminsOnly(t *testing.T) {
	r, err := organization.NewREST(registrytest.Scheme, registrytest.RESTOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Store.DestroyFunc)
	platform := registrytest.Context("", "admin")
	if _, err := r.Create(platform, newOrganization("acme"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	token := func(groups ...string) context.Context {
		return genericapirequest.WithUser(genericapirequest.WithNamespace(context.Background(), ""),
			auth.UserFor(&identity.Result{Subject: "someone", Org: "acme", Groups: groups}))
	}
	member, admin := token(), token(auth.OrganizationAdminClaim)
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
	sheet := func(cpu string) func(*stax.OrganizationSpec) {
		return func(s *stax.OrganizationSpec) {
			s.Pricing = &stax.PriceSheet{VCPUHour: cpu, MemoryGiBHour: "0.005", ReplicaHour: "0.01", Currency: "EUR"}
		}
	}
	retention := func(d time.Duration) func(*stax.OrganizationSpec) {
		return func(s *stax.OrganizationSpec) { s.RecordRetention = &metav1.Duration{Duration: d} }
	}
	for name, mutate := range map[string]func(*stax.OrganizationSpec){"pricing": sheet("0.04"), "recordRetention": retention(90 * 24 * time.Hour)} {
		err := update(member, mutate)
		if !apierrors.IsForbidden(err) {
			t.Fatalf("member changes %s: want 403, got %v", name, err)
		}
		if want := "spec." + name + " may be changed by the organization's admins only"; !strings.Contains(err.Error(), want) {
			t.Errorf("member changes %s: %v, want %q", name, err, want)
		}
	}
	if err := update(admin, sheet("0.04")); err != nil {
		t.Errorf("admin sets the price sheet: %v", err)
	}
	if err := update(platform, sheet("0.05")); err != nil {
		t.Errorf("platform sets the price sheet: %v", err)
	}
	if err := update(admin, retention(30*24*time.Hour)); err != nil {
		t.Errorf("admin sets the retention: %v", err)
	}
	// The member may still do what the registry leaves to the authorizer.
	if err := update(member, func(s *stax.OrganizationSpec) { s.DisplayName = "Acme" }); err != nil {
		t.Errorf("member leaves the price sheet alone: %v", err)
	}

	s := organization.NewStrategy(registrytest.Scheme)
	for _, c := range []struct {
		mutate func(*stax.OrganizationSpec)
		path   string
	}{
		{sheet("-1"), "spec.pricing.vcpuHour"},
		{sheet("1e3"), "spec.pricing.vcpuHour"},
		{sheet("NaN"), "spec.pricing.vcpuHour"},
		{func(s *stax.OrganizationSpec) { s.Pricing = &stax.PriceSheet{MemoryGiBHour: ".5"} }, "spec.pricing.memoryGiBHour"},
		{func(s *stax.OrganizationSpec) { s.Pricing = &stax.PriceSheet{ReplicaHour: "0,01"} }, "spec.pricing.replicaHour"},
		{func(s *stax.OrganizationSpec) { s.Pricing = &stax.PriceSheet{Currency: "usd"} }, "spec.pricing.currency"},
		{func(s *stax.OrganizationSpec) { s.Pricing = &stax.PriceSheet{Currency: "EURO"} }, "spec.pricing.currency"},
		{retention(time.Hour), "spec.recordRetention"},
	} {
		o := newOrganization("acme")
		c.mutate(&o.Spec)
		if errs := s.Validate(context.Background(), o); !registrytest.HasError(errs, c.path, field.ErrorTypeInvalid) {
			t.Errorf("want invalid %s, got %v", c.path, errs)
		}
	}
	o := newOrganization("acme")
	sheet("0")(&o.Spec)
	if errs := s.Validate(context.Background(), o); len(errs) != 0 {
		t.Errorf("a free CPU refused: %v", errs)
	}
}
