package tokenrevocation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/registry/registrytest"
	"github.com/microstax/stax/pkg/registry/stax/tokenrevocation"
)

func newREST(t *testing.T) *tokenrevocation.REST {
	t.Helper()
	r, err := tokenrevocation.NewREST(registrytest.Scheme, registrytest.RESTOptions(t), latestExpiry)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Store.DestroyFunc)
	return r
}

// latestExpiry stands in for the key set's: tokens live at most two hours.
func latestExpiry(now time.Time) time.Time { return now.Add(2 * time.Hour) }

func newRevocation(name string) *stax.TokenRevocation {
	return &stax.TokenRevocation{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "acme"},
		Spec:       stax.TokenRevocationSpec{TokenID: "jti-1", ExpirationTime: metav1.NewTime(time.Now().Add(time.Hour))},
	}
}

func TestStrategy(t *testing.T) {
	r := newREST(t)
	create, update := r.Store.CreateStrategy, r.Store.UpdateStrategy
	ctx := context.Background()
	if !create.NamespaceScoped() || update.AllowCreateOnUpdate(ctx) {
		t.Errorf("revocations are namespaced and never created by an update")
	}
	if errs := create.Validate(ctx, newRevocation("r1")); len(errs) != 0 {
		t.Errorf("a valid revocation refused: %v", errs)
	}
	for _, c := range []struct {
		mutate func(*stax.TokenRevocation)
		path   string
		typ    field.ErrorType
	}{
		{func(r *stax.TokenRevocation) { r.Spec.TokenID = "" }, "spec.tokenID", field.ErrorTypeRequired},
		{func(r *stax.TokenRevocation) { r.Spec.TokenID = strings.Repeat("x", 257) }, "spec.tokenID", field.ErrorTypeTooLong},
		{func(r *stax.TokenRevocation) { r.Spec.ExpirationTime = metav1.Time{} }, "spec.expirationTime", field.ErrorTypeRequired},
		// A revocation outliving every token would never be cleaned up.
		{func(r *stax.TokenRevocation) {
			r.Spec.ExpirationTime = metav1.NewTime(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
		}, "spec.expirationTime", field.ErrorTypeInvalid},
		{func(r *stax.TokenRevocation) {
			r.Spec.ExpirationTime = metav1.NewTime(time.Now().Add(2*time.Hour + time.Minute))
		}, "spec.expirationTime", field.ErrorTypeInvalid},
	} {
		rev := newRevocation("r1")
		c.mutate(rev)
		create.PrepareForCreate(ctx, rev)
		if errs := create.Validate(ctx, rev); !registrytest.HasError(errs, c.path, c.typ) {
			t.Errorf("want %s %s, got %v", c.typ, c.path, errs)
		}
	}

	// Labels may change, the spec may not.
	old := newRevocation("r1")
	old.ResourceVersion = "4"
	labelled := old.DeepCopy()
	labelled.Labels = map[string]string{"why": "leaked"}
	update.PrepareForUpdate(ctx, labelled, old)
	if errs := update.ValidateUpdate(ctx, labelled, old); len(errs) != 0 {
		t.Errorf("a label change refused: %v", errs)
	}
	other := old.DeepCopy()
	other.Spec.TokenID = "jti-2"
	update.PrepareForUpdate(ctx, other, old)
	if errs := update.ValidateUpdate(ctx, other, old); !registrytest.HasError(errs, "spec", field.ErrorTypeInvalid) {
		t.Errorf("a change of the revoked token passed: %v", errs)
	}
}

func TestStorage(t *testing.T) {
	r := newREST(t)
	ctx := registrytest.Context("acme", "alice")
	obj, err := r.Create(ctx, newRevocation("r1"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rev := obj.(*stax.TokenRevocation)
	rev.Spec.ExpirationTime = metav1.NewTime(rev.Spec.ExpirationTime.Add(time.Hour))
	if _, _, err := r.Update(ctx, rev.Name, rest.DefaultUpdatedObjectInfo(rev), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("extending a revocation: want 422, got %v", err)
	}
	// Without a resourceVersion an update is refused: no blind writes.
	blind := newRevocation("r1")
	blind.Labels = map[string]string{"a": "b"}
	if _, _, err := r.Update(ctx, blind.Name, rest.DefaultUpdatedObjectInfo(blind), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{}); err == nil {
		t.Fatalf("an update without resourceVersion passed")
	}
	if _, err := r.Create(ctx, newRevocation("r1"), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: want 409, got %v", err)
	}
}

func TestFieldSelectorsMatchFieldLabelConversion(t *testing.T) {
	registrytest.CheckFieldSelectors(t, newREST(t).Store, v1alpha1.SchemeGroupVersion.WithKind("TokenRevocation"))
}
