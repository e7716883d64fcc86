// Package organization is the storage of organizations: tenants whose name
// is also the namespace of their environments.
package organization

import (
	"context"
	"fmt"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/names"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
)

type organizationStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

// NewStrategy returns the strategy for organizations.
func NewStrategy(typer runtime.ObjectTyper) organizationStrategy {
	return organizationStrategy{typer, names.SimpleNameGenerator}
}

func (organizationStrategy) NamespaceScoped() bool { return false }

func (organizationStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	obj.(*stax.Organization).Generation = 1
	dropDriftPolicy(obj.(*stax.Organization))
}

func (organizationStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	newOrg, oldOrg := obj.(*stax.Organization), old.(*stax.Organization)
	keepDriftPolicy(newOrg, oldOrg)
	newOrg.Generation = oldOrg.Generation
	if !apiequality.Semantic.DeepEqual(newOrg.Spec, oldOrg.Spec) {
		newOrg.Generation++
	}
}

func (organizationStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return validation.ValidateOrganization(obj.(*stax.Organization))
}

func (organizationStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string {
	return nil
}

func (organizationStrategy) AllowCreateOnUpdate(ctx context.Context) bool { return false }

func (organizationStrategy) AllowUnconditionalUpdate(ctx context.Context) bool { return true }

func (organizationStrategy) Canonicalize(obj runtime.Object) {}

func (organizationStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return validation.ValidateOrganizationUpdate(obj.(*stax.Organization), old.(*stax.Organization))
}

func (organizationStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetAttrs gives the labels and selectable fields of an Organization.
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	org, ok := obj.(*stax.Organization)
	if !ok {
		return nil, nil, fmt.Errorf("not an Organization: %T", obj)
	}
	return labels.Set(org.Labels), generic.ObjectMetaFieldsSet(&org.ObjectMeta, false), nil
}

// Match is the selection predicate used for lists and watches.
func Match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}
