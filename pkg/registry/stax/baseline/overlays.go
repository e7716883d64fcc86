package baseline

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apis/stax/validation"
)

// EnvironmentCreater is the create of the environments store
// (environment.REST): its strategy, quota and check against the baseline
// all apply to an overlay made here.
type EnvironmentCreater interface {
	Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error)
}

// OverlaysREST serves POST baselines/{name}/overlays, a create of an
// OverlayRequest (as pods/binding is a create of a Binding): admission
// sees the request as such, and the Environment it makes is created
// through the environments store as if the client had created it
// directly, with its own authorization and admission. The answer is the
// Environment.
type OverlaysREST struct {
	baselines *genericregistry.Store
	envs      EnvironmentCreater
	scheme    *runtime.Scheme
	// Admit and Authorize, when set, judge the Environment create as the
	// server's handler would judge a direct one (nil in a server without
	// admission, as standalone ones are).
	Admit     admission.Interface
	Authorize authorizer.Authorizer
}

var (
	_ rest.NamedCreater    = &OverlaysREST{}
	_ rest.StorageMetadata = &OverlaysREST{}
)

// New returns an empty OverlayRequest, the request's body.
func (r *OverlaysREST) New() runtime.Object { return &stax.OverlayRequest{} }

// Destroy is a no-op: the main store owns the storage.
func (r *OverlaysREST) Destroy() {}

// ProducesMIMETypes: the default ones.
func (r *OverlaysREST) ProducesMIMETypes(verb string) []string { return nil }

// ProducesObject: the answer is the Environment, not the request.
func (r *OverlaysREST) ProducesObject(verb string) interface{} { return v1alpha1.Environment{} }

// Create reads the baseline (404 when unknown, 409 while it is being
// deleted), checks the request against its frozen blueprint (422 with the
// request's paths), runs the request's admission, then creates the merged
// overlay Environment: a name already taken is the environments store's
// 409, a blueprint it refuses its 422 with the Environment's paths.
func (r *OverlaysREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	req, ok := obj.(*stax.OverlayRequest)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not an OverlayRequest: %T", obj))
	}
	bObj, err := r.baselines.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	b := bObj.(*stax.Baseline)
	if b.DeletionTimestamp != nil {
		return nil, apierrors.NewConflict(stax.Resource("baselines"), name,
			fmt.Errorf("cannot create overlay %s: the baseline is being deleted", req.Spec.Name))
	}
	if errs := validation.ValidateOverlayRequest(req, name, &b.Status.Blueprint); len(errs) > 0 {
		return nil, apierrors.NewInvalid(stax.Kind("OverlayRequest"), name, errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, req.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	env, err := r.overlay(ctx, b, req)
	if err != nil {
		return nil, err
	}
	if options == nil {
		options = &metav1.CreateOptions{}
	}
	envValidation, err := r.judgeEnvironmentCreate(ctx, env, options)
	if err != nil {
		return nil, err
	}
	return r.envs.Create(asEnvironmentCreate(ctx, env.Name), env, envValidation, &metav1.CreateOptions{
		DryRun: options.DryRun, FieldManager: options.FieldManager})
}

// asEnvironmentCreate makes the request's context say it creates the
// Environment name, as it now does: the store names the resource of its
// errors ("environments ... already exists") after the request's.
func asEnvironmentCreate(ctx context.Context, name string) context.Context {
	info, ok := genericapirequest.RequestInfoFrom(ctx)
	if !ok {
		return ctx
	}
	env := *info
	env.Resource, env.Subresource, env.Name, env.Verb = "environments", "", name, "create"
	env.Parts = []string{"environments", name}
	return genericapirequest.WithRequestInfo(ctx, &env)
}

// overlay builds the Environment the request asks for, defaulted as one
// sent by a client would be (the versioned defaults are the one home of a
// new service's replicas).
func (r *OverlaysREST) overlay(ctx context.Context, b *stax.Baseline, req *stax.OverlayRequest) (*stax.Environment, error) {
	ns, _ := genericapirequest.NamespaceFrom(ctx)
	env := &stax.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: req.Spec.Name, Namespace: ns},
		Spec: stax.EnvironmentSpec{
			DisplayName:  req.Spec.DisplayName,
			AutoShutdown: req.Spec.AutoShutdown.DeepCopy(),
			Blueprint:    MergeOverlay(&b.Status.Blueprint, req.Spec.Services),
			BaselineRef:  &stax.BaselineReference{Name: b.Name},
		},
	}
	versioned := &v1alpha1.Environment{}
	if err := r.scheme.Convert(env, versioned, nil); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	r.scheme.Default(versioned)
	defaulted := &stax.Environment{}
	if err := r.scheme.Convert(versioned, defaulted, nil); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return defaulted, nil
}

// judgeEnvironmentCreate authorizes the Environment create for the
// request's user (403 when a direct create would be refused: the right to
// create overlays is not the right to create environments) and returns
// the validating admission of that create.
func (r *OverlaysREST) judgeEnvironmentCreate(ctx context.Context, env *stax.Environment, options *metav1.CreateOptions) (rest.ValidateObjectFunc, error) {
	user, _ := genericapirequest.UserFrom(ctx)
	gr := stax.Resource("environments")
	if r.Authorize != nil && user != nil {
		decision, reason, err := r.Authorize.Authorize(ctx, authorizer.AttributesRecord{
			User: user, Verb: "create", Namespace: env.Namespace, APIGroup: stax.GroupName,
			APIVersion: v1alpha1.SchemeGroupVersion.Version, Resource: gr.Resource, Name: env.Name, ResourceRequest: true,
		})
		if decision != authorizer.DecisionAllow {
			if err == nil {
				err = fmt.Errorf("an overlay is an Environment: %s", reason)
			}
			return nil, apierrors.NewForbidden(gr, env.Name, err)
		}
	}
	if r.Admit == nil {
		return rest.ValidateAllObjectFunc, nil
	}
	attrs := admission.NewAttributesRecord(env, nil, v1alpha1.SchemeGroupVersion.WithKind("Environment"),
		env.Namespace, env.Name, v1alpha1.SchemeGroupVersion.WithResource(gr.Resource), "",
		admission.Create, options, len(options.DryRun) > 0, user)
	return rest.AdmissionToValidateObjectFunc(r.Admit, attrs, admission.NewObjectInterfacesFromScheme(r.scheme)), nil
}
