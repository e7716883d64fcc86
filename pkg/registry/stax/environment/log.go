package environment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/warning"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	envruntime "github.com/microstax/stax/pkg/runtime"
)

// LogSource reads the output of an environment's services.
type LogSource interface {
	Logs(ctx context.Context, org, env string, opts envruntime.LogOptions) (io.ReadCloser, error)
	// SecretValues are hidden from the logs (envruntime.Redact).
	SecretValues(ctx context.Context, org, env string) ([]string, error)
}

// LogREST serves GET environments/log: the output of the environment's
// services as text/plain, chosen by EnvironmentLogOptions, and with
// follow=true kept open until the client goes away. "log" is the
// subresource name kube-apiserver (and this server) treat as long-running,
// so no request timeout cuts a follower.
type LogREST struct {
	store  *genericregistry.Store
	source LogSource
	// shutdown closes when the server begins to stop; followers end then.
	shutdown <-chan struct{}
}

var (
	_ rest.GetterWithOptions = &LogREST{}
	_ rest.StorageMetadata   = &LogREST{}
)

// New returns an empty Environment, the resource the log belongs to.
func (r *LogREST) New() runtime.Object { return &stax.Environment{} }

// Destroy is a no-op: the main store owns the storage.
func (r *LogREST) Destroy() {}

// ProducesMIMETypes: the answer is text.
func (r *LogREST) ProducesMIMETypes(verb string) []string { return []string{"text/plain"} }

// ProducesObject: the answer is a string, not an Environment.
func (r *LogREST) ProducesObject(verb string) interface{} { return "" }

// NewGetOptions returns the options the query string is decoded into.
func (r *LogREST) NewGetOptions() (runtime.Object, bool, string) {
	return &stax.EnvironmentLogOptions{}, false, ""
}

// Get checks the options against the environment and returns a stream of
// its logs; reading starts when the answer is written.
func (r *LogREST) Get(ctx context.Context, name string, options runtime.Object) (runtime.Object, error) {
	opts, ok := options.(*stax.EnvironmentLogOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", options)
	}
	obj, err := r.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	env := obj.(*stax.Environment)
	if errs := validation.ValidateEnvironmentLogOptions(opts, env); len(errs) > 0 {
		return nil, invalidOptions("EnvironmentLogOptions", name, errs)
	}
	if r.source == nil {
		return nil, apierrors.NewServiceUnavailable("this server runs no environments (--runtime=none)")
	}
	return &logStreamer{
		source: r.source, org: env.Namespace, env: env.Name,
		opts: runtimeLogOptions(opts), shutdown: r.shutdown,
	}, nil
}

// invalidOptions is a 400 (a bad query, as before options were typed)
// that carries each field error as a cause, as a 422 would: the answer to
// bad options of a subresource's GET.
func invalidOptions(kind, name string, errs field.ErrorList) error {
	err := apierrors.NewInvalid(stax.Kind(kind), name, errs)
	err.ErrStatus.Code = http.StatusBadRequest
	err.ErrStatus.Reason = metav1.StatusReasonBadRequest
	return err
}

func runtimeLogOptions(opts *stax.EnvironmentLogOptions) envruntime.LogOptions {
	out := envruntime.LogOptions{
		Service:      opts.Service,
		Replica:      -1,
		TailLines:    opts.TailLines,
		SinceSeconds: opts.SinceSeconds,
		Follow:       opts.Follow,
	}
	if opts.Replica != nil {
		out.Replica = int(*opts.Replica)
	}
	return out
}

// logStreamer is the answer of LogREST.Get: a rest.ResourceStreamer whose
// stream is the LogSource's reader, opened with the request's context so a
// follower's read ends when the client leaves. It is what
// genericrest.LocationStreamer is to a pod's log, for a reader instead of
// a URL.
type logStreamer struct {
	source   LogSource
	org, env string
	opts     envruntime.LogOptions
	shutdown <-chan struct{}
}

var _ rest.ResourceStreamer = &logStreamer{}

func (s *logStreamer) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

func (s *logStreamer) DeepCopyObject() runtime.Object {
	c := *s
	return &c
}

// InputStream opens the logs. A follower's answer is flushed after each
// chunk the source returns, so each line reaches the client as it is
// written. Every stream also ends when the server begins to shut down:
// the HTTP server waits for open answers, and a follower would otherwise
// hold the exit for its whole shutdown timeout (60 s).
func (s *logStreamer) InputStream(ctx context.Context, apiVersion, acceptHeader string) (io.ReadCloser, bool, string, error) {
	ctx, cancel := context.WithCancel(ctx)
	if s.shutdown != nil {
		go func() {
			select {
			case <-s.shutdown:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	logs, err := s.source.Logs(ctx, s.org, s.env, s.opts)
	if err != nil {
		cancel()
		return nil, false, "", apierrors.NewNotFound(stax.Resource("environments/log"), s.env)
	}
	// The one place logs are redacted: every secret value of the
	// environment's plan becomes [redacted]. Unknown values fail closed.
	secrets, err := s.source.SecretValues(ctx, s.org, s.env)
	if err != nil && !errors.Is(err, envruntime.ErrNotFound) {
		cancel()
		logs.Close()
		return nil, false, "", apierrors.NewServiceUnavailable("the secret values to hide from the logs are unknown: " + err.Error())
	}
	logs = envruntime.Redact(logs, secrets)
	return cancelOnClose{logs, cancel}, s.opts.Follow, "text/plain; charset=utf-8", nil
}

// cancelOnClose ends the stream's context with the stream.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	c.cancel()
	return c.ReadCloser.Close()
}

// LogsREST serves environments/logs, the former name of environments/log:
// the same answer, with a warning header naming the new one.
type LogsREST struct {
	*LogREST
}

// Get warns, then answers as environments/log.
func (r *LogsREST) Get(ctx context.Context, name string, options runtime.Object) (runtime.Object, error) {
	warning.AddWarning(ctx, "", "environments/logs is deprecated: use environments/log")
	return r.LogREST.Get(ctx, name, options)
}
