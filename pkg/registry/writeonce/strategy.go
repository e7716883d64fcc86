// Package writeonce holds the strategy shared by namespaced resources that
// are created and deleted but never changed (EnvironmentRecord,
// TokenRevocation): nothing to prepare, canonicalize or warn about, and no
// create-on-update. Each resource embeds Strategy and adds its own Validate
// and ValidateUpdate.
package writeonce

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage/names"
)

// Strategy is the part of rest.RESTCreateStrategy, RESTUpdateStrategy and
// RESTDeleteStrategy that write-once resources have in common.
type Strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
}

// New returns the strategy for objects of scheme.
func New(scheme *runtime.Scheme) Strategy {
	return Strategy{scheme, names.SimpleNameGenerator}
}

func (Strategy) NamespaceScoped() bool                                             { return true }
func (Strategy) PrepareForCreate(ctx context.Context, obj runtime.Object)          {}
func (Strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object)     {}
func (Strategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }
func (Strategy) AllowCreateOnUpdate(ctx context.Context) bool                      { return false }
func (Strategy) AllowUnconditionalUpdate(ctx context.Context) bool                 { return false }
func (Strategy) Canonicalize(obj runtime.Object)                                   {}
func (Strategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}
