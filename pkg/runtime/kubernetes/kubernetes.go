package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/microstax/stax/pkg/runtime"
)

// Config says which cluster environments run on.
type Config struct {
	// Client talks to the target cluster; it needs to manage namespaces,
	// Deployments, Services, Secrets and (for overlays' routers)
	// ConfigMaps, and to read pods and their logs.
	Client kubernetes.Interface
	// RouterImage is the image of cmd/stax-router placed before baseline
	// Services that overlays change; DefaultRouterImage if empty.
	RouterImage string
	// StubImage is the image of cmd/stax-stub that stub services run;
	// DefaultStubImage if empty.
	StubImage string
	// StubAccess mints their credentials; without it a plan with a stub
	// service is refused (runtime.ErrNoStubAccess).
	StubAccess runtime.StubAccess
	// ShadowImage is the image of cmd/stax-shadow placed before baseline
	// Services an overlay shadows (shadow.go); DefaultShadowImage if empty.
	ShadowImage string
	// DiffAccess mints stax-shadow's credentials; without it a plan with
	// a shadow is refused (runtime.ErrNoDiffAccess).
	DiffAccess runtime.DiffAccess
}

// Runtime runs environments on a Kubernetes cluster. It keeps no state of
// its own: everything it needs is in the cluster.
type Runtime struct {
	client      kubernetes.Interface
	routerImage string
	stubImage   string
	stubAccess  runtime.StubAccess
	shadowImage string
	diffAccess  runtime.DiffAccess
	// now is the clock the refresh of stub credentials reads.
	now func() time.Time
}

var _ runtime.Runtime = (*Runtime)(nil)

// New returns a runtime on cfg.Client.
func New(cfg Config) (*Runtime, error) {
	if cfg.Client == nil {
		return nil, errors.New("kubernetes runtime: no client")
	}
	image := cfg.RouterImage
	if image == "" {
		image = DefaultRouterImage
	}
	stubImage := cfg.StubImage
	if stubImage == "" {
		stubImage = DefaultStubImage
	}
	shadowImage := cfg.ShadowImage
	if shadowImage == "" {
		shadowImage = DefaultShadowImage
	}
	return &Runtime{client: cfg.Client, routerImage: image, stubImage: stubImage, stubAccess: cfg.StubAccess,
		shadowImage: shadowImage, diffAccess: cfg.DiffAccess, now: time.Now}, nil
}

// Delete deletes the environment's namespace; the cluster's namespace
// controller removes what is in it.
func (r *Runtime) Delete(ctx context.Context, org, env string) error {
	ns := NamespaceName(org, env)
	if cur, err := r.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err == nil && cur.Annotations[AnnotationBaseline] != "" {
		// An overlay: its shadow and routes in the baseline go first,
		// nothing else there.
		if err := r.unshadowAll(ctx, org, env, cur.Annotations[AnnotationBaseline]); err != nil {
			return err
		}
		if err := r.unroute(ctx, org, env, cur.Annotations[AnnotationBaseline]); err != nil {
			return err
		}
	}
	err := r.client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("namespace %s: %w", ns, runtime.ErrNotFound)
	}
	return err
}

// selector is a label selector string for labels.
func selector(labels map[string]string) string {
	return metav1.FormatLabelSelector(metav1.SetAsLabelSelector(labels))
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }
