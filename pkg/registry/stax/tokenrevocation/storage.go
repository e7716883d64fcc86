// Package tokenrevocation stores revocations of hybrid tokens. The server
// watches them and refuses the named tokens until they expire.
package tokenrevocation

import (
	"context"
	"fmt"
	"time"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/storage"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/registry/table"
	"github.com/microstax/stax/pkg/registry/writeonce"
)

// REST is the store of token revocations.
type REST struct {
	*genericregistry.Store
}

// NewREST builds the store. latestExpiry(now) is the latest exp a valid
// token can carry (identity.KeySet.LatestExpiry): a revocation expiring later
// is refused, so that each one is deleted once its token has expired.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, latestExpiry func(now time.Time) time.Time) (*REST, error) {
	s := strategy{Strategy: writeonce.New(scheme), latestExpiry: latestExpiry}
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &stax.TokenRevocation{} },
		NewListFunc:               func() runtime.Object { return &stax.TokenRevocationList{} },
		PredicateFunc:             match,
		DefaultQualifiedResource:  stax.Resource("tokenrevocations"),
		SingularQualifiedResource: stax.Resource("tokenrevocation"),
		CreateStrategy:            s,
		UpdateStrategy:            s,
		DeleteStrategy:            s,
		TableConvertor: table.Convertor[*stax.TokenRevocation]{
			Columns: []metav1.TableColumnDefinition{
				{Name: "Name", Type: "string", Format: "name"},
				{Name: "Token ID", Type: "string", Description: "jti of the revoked token."},
				{Name: "Expires", Type: "string", Format: "date-time"},
			},
			Cells: func(r *stax.TokenRevocation) []interface{} {
				return []interface{}{r.Name, r.Spec.TokenID, r.Spec.ExpirationTime.UTC().Format("2006-01-02T15:04:05Z")}
			},
		},
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: getAttrs}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}

// strategy adds validation to the write-once one.
type strategy struct {
	writeonce.Strategy
	latestExpiry func(now time.Time) time.Time
}

func (s strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	r := obj.(*stax.TokenRevocation)
	allErrs := apimachineryvalidation.ValidateObjectMeta(&r.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	spec := field.NewPath("spec")
	if r.Spec.TokenID == "" {
		allErrs = append(allErrs, field.Required(spec.Child("tokenID"), "the jti of the token to revoke"))
	} else if len(r.Spec.TokenID) > 256 {
		allErrs = append(allErrs, field.TooLong(spec.Child("tokenID"), "", 256))
	}
	if r.Spec.ExpirationTime.IsZero() {
		allErrs = append(allErrs, field.Required(spec.Child("expirationTime"), "when the token expires"))
	} else if latest := s.latestExpiry(time.Now()); r.Spec.ExpirationTime.After(latest) {
		allErrs = append(allErrs, field.Invalid(spec.Child("expirationTime"), r.Spec.ExpirationTime.UTC().Format(time.RFC3339),
			fmt.Sprintf("must not be after %s: no token lives that long", latest.UTC().Format(time.RFC3339))))
	}
	return allErrs
}

// ValidateUpdate refuses changes: a revocation is created or deleted.
func (strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	newR, oldR := obj.(*stax.TokenRevocation), old.(*stax.TokenRevocation)
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newR.ObjectMeta, &oldR.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, apimachineryvalidation.ValidateImmutableField(newR.Spec, oldR.Spec, field.NewPath("spec"))...)
}

func getAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	r, ok := obj.(*stax.TokenRevocation)
	if !ok {
		return nil, nil, fmt.Errorf("not a TokenRevocation: %T", obj)
	}
	return labels.Set(r.Labels), generic.ObjectMetaFieldsSet(&r.ObjectMeta, true), nil
}

func match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: getAttrs}
}
