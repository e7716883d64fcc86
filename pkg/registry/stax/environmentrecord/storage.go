// Package environmentrecord stores the history of deleted environments.
// Records are written once by the environment controller and never change.
package environmentrecord

import (
	"context"
	"fmt"
	"time"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/registry/table"
	"github.com/microstax/stax/pkg/registry/writeonce"
)

// REST is the store of environment records.
type REST struct {
	*genericregistry.Store
}

var _ rest.CategoriesProvider = &REST{}

// Categories puts records in "kubectl get stax".
func (*REST) Categories() []string { return []string{"stax"} }

// NewREST builds the store.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (*REST, error) {
	s := strategy{writeonce.New(scheme)}
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return &stax.EnvironmentRecord{} },
		NewListFunc:               func() runtime.Object { return &stax.EnvironmentRecordList{} },
		PredicateFunc:             match,
		DefaultQualifiedResource:  stax.Resource("environmentrecords"),
		SingularQualifiedResource: stax.Resource("environmentrecord"),
		CreateStrategy:            s,
		UpdateStrategy:            s,
		DeleteStrategy:            s,
		TableConvertor:            tableConvertor,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: getAttrs}); err != nil {
		return nil, err
	}
	return &REST{store}, nil
}

// strategy adds validation to the write-once one.
type strategy struct{ writeonce.Strategy }

func (strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	r := obj.(*stax.EnvironmentRecord)
	allErrs := apimachineryvalidation.ValidateObjectMeta(&r.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	if r.Environment == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("environment"), ""))
	}
	return allErrs
}

// ValidateUpdate refuses every change: history is not rewritten.
func (strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return field.ErrorList{field.Forbidden(field.NewPath(""), "environment records are immutable")}
}

func getAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	r, ok := obj.(*stax.EnvironmentRecord)
	if !ok {
		return nil, nil, fmt.Errorf("not an EnvironmentRecord: %T", obj)
	}
	return labels.Set(r.Labels), generic.AddObjectMetaFieldsSet(fields.Set{"environment": r.Environment}, &r.ObjectMeta, true), nil
}

func match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: getAttrs}
}

var tableConvertor = table.Convertor[*stax.EnvironmentRecord]{
	Columns: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name"},
		{Name: "Environment", Type: "string", Description: "Name of the deleted environment."},
		{Name: "Created By", Type: "string"},
		{Name: "Ran", Type: "string", Description: "Total running time."},
		{Name: "CPU Core-Hours", Type: "string"},
		{Name: "Deleted", Type: "string", Description: "Time since deletion."},
	},
	Cells: func(r *stax.EnvironmentRecord) []interface{} {
		return []interface{}{r.Name, r.Environment, r.CreatedBy,
			duration.HumanDuration(secondsDuration(r.RunningSeconds)), r.Usage.CPUCoreHours,
			duration.HumanDuration(metav1.Now().Sub(r.DeletedAt.Time))}
	},
}

func secondsDuration(s int64) time.Duration { return time.Duration(s) * time.Second }
