package environment

import (
	"context"
	"io"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/microstax/stax/pkg/apis/stax"
	envruntime "github.com/microstax/stax/pkg/runtime"
)

// LogSource reads the output of an environment's services.
type LogSource interface {
	Logs(ctx context.Context, org, env string, opts envruntime.LogOptions) (io.ReadCloser, error)
}

// LogREST serves GET environments/logs (and environments/log, the name
// kube-apiserver exempts from its request timeout) as text/plain, streaming
// with follow=true until the client goes away.
type LogREST struct {
	store  *genericregistry.Store
	source LogSource
}

var _ rest.Connecter = &LogREST{}

// New returns an empty Environment; the answer itself is text.
func (r *LogREST) New() runtime.Object { return &stax.Environment{} }

// Destroy is a no-op.
func (r *LogREST) Destroy() {}

// ConnectMethods: GET.
func (r *LogREST) ConnectMethods() []string { return []string{http.MethodGet} }

// NewConnectOptions: options are read from the query string by Connect.
func (r *LogREST) NewConnectOptions() (runtime.Object, bool, string) { return nil, false, "" }

// Connect streams the logs named by the query: service, replica,
// tailLines, sinceSeconds, follow.
func (r *LogREST) Connect(ctx context.Context, name string, _ runtime.Object, responder rest.Responder) (http.Handler, error) {
	obj, err := r.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	env := obj.(*stax.Environment)
	if r.source == nil {
		return nil, apierrors.NewServiceUnavailable("this server runs no environments (--runtime=none)")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		opts, err := logOptions(req, env)
		if err != nil {
			responder.Error(err)
			return
		}
		logs, err := r.source.Logs(req.Context(), env.Namespace, env.Name, opts)
		if err != nil {
			responder.Error(apierrors.NewNotFound(stax.Resource("environments/logs"), name))
			return
		}
		defer logs.Close()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		copyFlushing(w, logs)
	}), nil
}

// logOptions parses and checks the query, with field paths in errors.
func logOptions(req *http.Request, env *stax.Environment) (envruntime.LogOptions, error) {
	q := req.URL.Query()
	opts := envruntime.LogOptions{Service: q.Get("service"), Replica: -1}
	var errs field.ErrorList
	if opts.Service != "" {
		known := false
		for _, s := range env.Spec.Blueprint.Services {
			known = known || s.Name == opts.Service
		}
		if !known {
			errs = append(errs, field.NotFound(field.NewPath("service"), opts.Service))
		}
	}
	intParam := func(name string, min int64) *int64 {
		v := q.Get(name)
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < min {
			errs = append(errs, field.Invalid(field.NewPath(name), v, "must be an integer of at least "+strconv.FormatInt(min, 10)))
			return nil
		}
		return &n
	}
	if n := intParam("replica", 0); n != nil {
		if opts.Service == "" {
			errs = append(errs, field.Required(field.NewPath("service"), "replica needs a service"))
		}
		opts.Replica = int(*n)
	}
	opts.TailLines = intParam("tailLines", 0)
	opts.SinceSeconds = intParam("sinceSeconds", 1)
	if f := q.Get("follow"); f != "" {
		follow, err := strconv.ParseBool(f)
		if err != nil {
			errs = append(errs, field.Invalid(field.NewPath("follow"), f, "must be true or false"))
		}
		opts.Follow = follow
	}
	if len(errs) > 0 {
		return opts, apierrors.NewBadRequest(errs.ToAggregate().Error())
	}
	return opts, nil
}

// copyFlushing writes as data arrives, so a follower sees each line at once.
func copyFlushing(w http.ResponseWriter, r io.Reader) {
	flusher, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}
