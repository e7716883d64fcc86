package environment

import (
	"context"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
)

// DiffStore is what environments/diffs reads of the EnvironmentDiffs
// (pkg/registry/stax/environmentdiff implements it).
type DiffStore interface {
	Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error)
}

// DiffsREST serves GET environments/diffs: the overlay's EnvironmentDiff,
// filtered by EnvironmentDiffOptions. An overlay whose fronts never wrote
// one (shadow never on) answers an empty report; an environment that is
// not an overlay has no diffs (400).
type DiffsREST struct {
	store *genericregistry.Store
	// Diffs is the EnvironmentDiffs' store, set once it exists; nil
	// answers every overlay an empty report.
	Diffs DiffStore
}

var _ rest.GetterWithOptions = &DiffsREST{}

// New returns an empty EnvironmentDiff, the answer.
func (r *DiffsREST) New() runtime.Object { return &stax.EnvironmentDiff{} }

// Destroy is a no-op: the main store owns the storage.
func (r *DiffsREST) Destroy() {}

// NewGetOptions returns the options the query string is decoded into.
func (r *DiffsREST) NewGetOptions() (runtime.Object, bool, string) {
	return &stax.EnvironmentDiffOptions{}, false, ""
}

// Get answers the overlay's diffs, chosen by the options.
func (r *DiffsREST) Get(ctx context.Context, name string, options runtime.Object) (runtime.Object, error) {
	opts, ok := options.(*stax.EnvironmentDiffOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", options)
	}
	if errs := validation.ValidateEnvironmentDiffOptions(opts); len(errs) > 0 {
		return nil, invalidOptions("EnvironmentDiffOptions", name, errs)
	}
	obj, err := r.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	env := obj.(*stax.Environment)
	if env.Spec.BaselineRef == nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf(
			"environment %s is not an overlay (it has no spec.baselineRef): behavioural diffs compare an overlay with its baseline", name))
	}
	diff, err := r.read(ctx, env)
	if err != nil {
		return nil, err
	}
	diff.Report.Endpoints = chooseEndpoints(diff.Report.Endpoints, opts)
	return diff, nil
}

// read returns the overlay's EnvironmentDiff, or an empty one when there
// is none of this overlay: never written, or left by an earlier overlay
// of the same name (its owner another uid).
func (r *DiffsREST) read(ctx context.Context, env *stax.Environment) (*stax.EnvironmentDiff, error) {
	empty := &stax.EnvironmentDiff{ObjectMeta: metav1.ObjectMeta{Name: env.Name, Namespace: env.Namespace}}
	if r.Diffs == nil {
		return empty, nil
	}
	obj, err := r.Diffs.Get(ctx, env.Name, &metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return empty, nil
	case err != nil:
		return nil, err
	}
	diff := obj.(*stax.EnvironmentDiff)
	for _, o := range diff.OwnerReferences {
		if o.UID == env.UID {
			return diff, nil
		}
	}
	return empty, nil
}

// chooseEndpoints applies the options: one endpoint, those seen since a
// time, and at most limit of them, those with a Difference first.
func chooseEndpoints(all []stax.EndpointDiff, opts *stax.EnvironmentDiffOptions) []stax.EndpointDiff {
	var out []stax.EndpointDiff
	for _, e := range all {
		if opts.Endpoint != "" && e.Endpoint != opts.Endpoint {
			continue
		}
		if opts.Since != nil && (e.LastSeen == nil || e.LastSeen.Before(opts.Since)) {
			continue
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		di, dj := hasDifference(out[i]), hasDifference(out[j])
		if di != dj {
			return di
		}
		return out[i].Endpoint < out[j].Endpoint
	})
	if opts.Limit != nil && int64(len(out)) > *opts.Limit {
		out = out[:*opts.Limit]
	}
	return out
}

func hasDifference(e stax.EndpointDiff) bool {
	for _, f := range e.Fields {
		if f.Verdict == stax.DiffVerdictDifference {
			return true
		}
	}
	return false
}
