// Package stub is the storage of the stubs resource: Stubs generated from
// OpenAPI documents, and stubs/{name}/document, which stores a document of
// any size (up to a limit) in chunks and reads it back. The server parses
// every document it stores (pkg/stub) and writes what it found to status.
package stub

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
)

// strategy governs writes to the main resource. Status is the server's:
// an inline document is parsed at create and when it changes; an uploaded
// one by DocumentREST, through documentStrategy.
type strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

func newStrategy(typer runtime.ObjectTyper) strategy {
	return strategy{typer, names.SimpleNameGenerator}
}

func (strategy) NamespaceScoped() bool { return true }

func (strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		"stax.microstax.ai/v1alpha1": fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

func (strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	s := obj.(*stax.Stub)
	s.Generation = 1
	s.Status = stax.StubStatus{Phase: stax.StubPending}
	if s.Spec.Document != "" {
		s.Status = analyze(ctx, []byte(s.Spec.Document), 0)
	}
}

func (strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	s, oldS := obj.(*stax.Stub), old.(*stax.Stub)
	s.Status = oldS.Status
	if s.Spec != oldS.Spec {
		s.Generation = oldS.Generation + 1
	}
	if s.Spec.Document != oldS.Spec.Document && s.Spec.Document != "" {
		s.Status = analyze(ctx, []byte(s.Spec.Document), 0)
	}
}

func (strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	s := obj.(*stax.Stub)
	return append(validation.ValidateStub(s), unparsed(s)...)
}

// unparsed refuses an inline document that is no OpenAPI document at all
// (one that breaks the specification is stored, its errors in status).
func unparsed(s *stax.Stub) field.ErrorList {
	if s.Spec.Document == "" || !notParsed(s.Status) {
		return nil
	}
	return field.ErrorList{field.Invalid(field.NewPath("spec", "document"), fmt.Sprintf("%d bytes", len(s.Spec.Document)), s.Status.Message)}
}

// notParsed says the analysis found no document to speak of.
func notParsed(st stax.StubStatus) bool {
	return st.Phase == stax.StubInvalid && st.DocumentVersion == ""
}

func (strategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }

func (strategy) AllowCreateOnUpdate(ctx context.Context) bool { return false }

func (strategy) AllowUnconditionalUpdate(ctx context.Context) bool { return true }

func (strategy) Canonicalize(obj runtime.Object) {}

func (strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	s := obj.(*stax.Stub)
	return append(validation.ValidateStubUpdate(s, old.(*stax.Stub)), unparsed(s)...)
}

func (strategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string { return nil }

// documentStrategy is DocumentREST's update: the status it computed from
// the upload replaces the old, and the inline document goes.
type documentStrategy struct {
	strategy
}

func (documentStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	s, oldS := obj.(*stax.Stub), old.(*stax.Stub)
	if s.Spec != oldS.Spec {
		s.Generation = oldS.Generation + 1
	}
}

// GetAttrs gives the labels and selectable fields of a Stub (metav1's
// defaults only).
func GetAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	s, ok := obj.(*stax.Stub)
	if !ok {
		return nil, nil, fmt.Errorf("not a Stub: %T", obj)
	}
	return labels.Set(s.Labels), generic.ObjectMetaFieldsSet(&s.ObjectMeta, true), nil
}

func match(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
	return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: GetAttrs}
}

// chunkStrategy stores chunks as DocumentREST writes them.
type chunkStrategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

func (chunkStrategy) NamespaceScoped() bool                                    { return true }
func (chunkStrategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {}
func (chunkStrategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return nil
}
func (chunkStrategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }
func (chunkStrategy) Canonicalize(obj runtime.Object)                                   {}

func chunkAttrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	c, ok := obj.(*stax.StubDocumentChunk)
	if !ok {
		return nil, nil, fmt.Errorf("not a StubDocumentChunk: %T", obj)
	}
	return labels.Set(c.Labels), generic.ObjectMetaFieldsSet(&c.ObjectMeta, true), nil
}
