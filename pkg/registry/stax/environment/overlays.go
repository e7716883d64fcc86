package environment

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/microstax/stax/pkg/apis/stax"
)

// overlayBases finds the frozen blueprint (the Baseline's status.blueprint)
// an overlay's blueprint is validated against. It is the one check of
// spec.baselineRef: with the Baseline's finalizer (which its controller
// removes only once no Environment names it) refusing a create on a
// Baseline being deleted keeps an overlay from outliving its baseline.
type overlayBases struct {
	// baselines is nil until the baselines store exists (SetBaselines), and
	// in servers without one: then no overlay is checked against a base.
	baselines Baselines
}

var baselineRefPath = field.NewPath("spec", "baselineRef", "name")

// forCreate returns the base of a new overlay (nil for an environment that
// is not one), or why the reference is refused.
func (o *overlayBases) forCreate(ctx context.Context, env *stax.Environment) (*stax.Blueprint, field.ErrorList) {
	b, err := o.get(ctx, env)
	switch {
	case apierrors.IsNotFound(err):
		return nil, field.ErrorList{field.NotFound(baselineRefPath, env.Spec.BaselineRef.Name)}
	case err != nil:
		return nil, field.ErrorList{field.InternalError(baselineRefPath, err)}
	case b == nil:
		return nil, nil
	case b.DeletionTimestamp != nil:
		return nil, field.ErrorList{field.Invalid(baselineRefPath, b.Name, "the baseline is being deleted")}
	}
	return &b.Status.Blueprint, nil
}

// forUpdate returns the base of an existing overlay. Its baseline may be
// being deleted (the overlay must still be updatable: stopped, its
// finalizer removed) or, for an overlay stored before the finalizer held
// it, gone: then validation ratchets on what the overlay already held.
func (o *overlayBases) forUpdate(ctx context.Context, env *stax.Environment) (*stax.Blueprint, field.ErrorList) {
	b, err := o.get(ctx, env)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, field.ErrorList{field.InternalError(baselineRefPath, err)}
	case b == nil:
		return nil, nil
	}
	return &b.Status.Blueprint, nil
}

// get reads the Baseline env names, nil when env is not an overlay or no
// baselines store is connected. The read is consistent (Baselines).
func (o *overlayBases) get(ctx context.Context, env *stax.Environment) (*stax.Baseline, error) {
	if env.Spec.BaselineRef == nil || o.baselines == nil {
		return nil, nil
	}
	obj, err := o.baselines.Get(ctx, env.Spec.BaselineRef.Name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return obj.(*stax.Baseline), nil
}
