package environment_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/warning"

	"github.com/microstax/stax/pkg/apis/stax"
	"github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/registry/registrytest"
	"github.com/microstax/stax/pkg/registry/stax/environment"
	envruntime "github.com/microstax/stax/pkg/runtime"
)

// newStorage is the environments storage on the test's own etcd prefix.
func newStorage(t *testing.T, logs environment.LogSource) *environment.Storage {
	t.Helper()
	return newStorageStopping(t, logs, nil)
}

func newStorageStopping(t *testing.T, logs environment.LogSource, shutdown <-chan struct{}) *environment.Storage {
	t.Helper()
	s, err := environment.NewStorage(registrytest.Scheme, registrytest.RESTOptions(t), logs, shutdown, validation.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Environment.Store.DestroyFunc)
	return s
}

func create(t *testing.T, s *environment.Storage, env *stax.Environment) *stax.Environment {
	t.Helper()
	obj, err := s.Environment.Create(registrytest.Context(env.Namespace, "alice"), env, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*stax.Environment)
}

func get(t *testing.T, s *environment.Storage, name string) *stax.Environment {
	t.Helper()
	obj, err := s.Environment.Get(registrytest.Context("acme", "alice"), name, &metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*stax.Environment)
}

// update writes env through store (the main resource or status) as a
// client would: the object it sends is its own.
func update(ctx context.Context, store rest.Updater, env *stax.Environment) (*stax.Environment, error) {
	obj, _, err := store.Update(ctx, env.Name, rest.DefaultUpdatedObjectInfo(env), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	return obj.(*stax.Environment), nil
}

func TestStorageMainAndStatus(t *testing.T) {
	s := newStorage(t, nil)
	ctx := registrytest.Context("acme", "bob")
	created := create(t, s, newEnvironment("shop"))
	if created.Status.Phase != stax.EnvironmentPending || created.Generation != 1 || created.Annotations[stax.AnnotationCreatedBy] != "alice" {
		t.Fatalf("created %+v %+v", created.ObjectMeta, created.Status)
	}

	// A write to the main resource: the spec and labels change, the status
	// sent along does not, and the generation moves by one however much
	// the client claims.
	env := created.DeepCopy()
	env.Spec.DisplayName = "Shop v2"
	env.Labels = map[string]string{"team": "a"}
	env.Generation = 42
	env.Status.Phase = stax.EnvironmentReady
	got, err := update(ctx, s.Environment, env)
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.DisplayName != "Shop v2" || got.Labels["team"] != "a" || got.Generation != 2 || got.Status.Phase != stax.EnvironmentPending {
		t.Fatalf("main update stored spec %q labels %v generation %d phase %s", got.Spec.DisplayName, got.Labels, got.Generation, got.Status.Phase)
	}

	// A write to status: the status changes, the spec and labels sent
	// along do not, nor does the generation.
	env = got.DeepCopy()
	env.Spec.DisplayName = "through status"
	env.Labels = nil
	env.Status.Phase = stax.EnvironmentReady
	env.Status.ObservedGeneration = 2
	got, err = update(ctx, s.Status, env)
	if err != nil {
		t.Fatal(err)
	}
	stored := get(t, s, "shop")
	if stored.Status.Phase != stax.EnvironmentReady || stored.Status.ObservedGeneration != 2 ||
		stored.Spec.DisplayName != "Shop v2" || stored.Labels["team"] != "a" || stored.Generation != 2 {
		t.Fatalf("after a status write: spec %q labels %v generation %d status %+v",
			stored.Spec.DisplayName, stored.Labels, stored.Generation, stored.Status)
	}
	if got.ResourceVersion != stored.ResourceVersion {
		t.Errorf("status answered resourceVersion %s, stored %s", got.ResourceVersion, stored.ResourceVersion)
	}

	// A bad status is refused with its path; nothing is written.
	env = stored.DeepCopy()
	env.Status.Phase = "Sleeping"
	if _, err := update(ctx, s.Status, env); !apierrors.IsInvalid(err) || !registrytest.HasCause(err, "status.phase") {
		t.Fatalf("bad phase: want 422 naming status.phase, got %v", err)
	}
	// Status never creates.
	ghost := newEnvironment("ghost")
	if _, err := update(ctx, s.Status, ghost); !apierrors.IsNotFound(err) {
		t.Fatalf("status write of a missing environment: want 404, got %v", err)
	}
}

// act posts an EnvironmentAction to stop or resume, with admission's
// createValidation.
func act(ctx context.Context, r *environment.PauseREST, name string, action *stax.EnvironmentAction, dryRun bool, admit rest.ValidateObjectFunc) (*stax.Environment, error) {
	opts := &metav1.CreateOptions{}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	if action == nil {
		action = &stax.EnvironmentAction{}
	}
	obj, err := r.Create(ctx, name, action, admit, opts)
	if err != nil {
		return nil, err
	}
	return obj.(*stax.Environment), nil
}

func TestStorageStopResume(t *testing.T) {
	s := newStorage(t, nil)
	ctx := registrytest.Context("acme", "alice")
	created := create(t, s, newEnvironment("shop"))

	if _, err := act(ctx, s.Resume, "shop", nil, false, nil); !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "not stopped") {
		t.Fatalf("resume of a running environment: want 409, got %v", err)
	}
	if _, err := act(ctx, s.Stop, "nope", nil, false, nil); !apierrors.IsNotFound(err) {
		t.Fatalf("stop of a missing environment: want 404, got %v", err)
	}

	// Admission sees the action, and its refusal stops everything.
	var admitted []runtime.Object
	record := func(ctx context.Context, obj runtime.Object) error {
		admitted = append(admitted, obj)
		return nil
	}
	deny := func(ctx context.Context, obj runtime.Object) error {
		return apierrors.NewForbidden(stax.Resource("environments/stop"), "shop", errors.New("denied by policy"))
	}
	if _, err := act(ctx, s.Stop, "shop", nil, false, deny); !apierrors.IsForbidden(err) {
		t.Fatalf("stop refused by admission: want 403, got %v", err)
	}
	if get(t, s, "shop").Spec.Paused {
		t.Fatalf("a stop refused by admission paused the environment")
	}
	// The action must name this environment, if it names one.
	other := &stax.EnvironmentAction{ObjectMeta: metav1.ObjectMeta{Name: "other"}}
	if _, err := act(ctx, s.Stop, "shop", other, false, record); !apierrors.IsInvalid(err) || !registrytest.HasCause(err, "metadata.name") {
		t.Fatalf("action for another environment: want 422 naming metadata.name, got %v", err)
	}
	if len(admitted) != 0 {
		t.Fatalf("an invalid action reached admission")
	}

	// Dry run: the answer is what a stop would store; nothing is stored.
	dry, err := act(ctx, s.Stop, "shop", nil, true, record)
	if err != nil {
		t.Fatal(err)
	}
	if !dry.Spec.Paused || dry.Generation != 2 {
		t.Fatalf("dry-run stop answered paused %v generation %d", dry.Spec.Paused, dry.Generation)
	}
	if after := get(t, s, "shop"); after.Spec.Paused || after.ResourceVersion != created.ResourceVersion || after.Generation != 1 {
		t.Fatalf("a dry-run stop changed the environment: paused %v rv %s -> %s generation %d",
			after.Spec.Paused, created.ResourceVersion, after.ResourceVersion, after.Generation)
	}
	if len(admitted) != 1 {
		t.Fatalf("admission saw %d objects, want the action once", len(admitted))
	}
	if a, ok := admitted[0].(*stax.EnvironmentAction); !ok {
		t.Fatalf("admission saw a %T, want the EnvironmentAction", admitted[0])
	} else if a == nil {
		t.Fatal("nil action")
	}

	// The real stop, named by the action's metadata as well.
	named := &stax.EnvironmentAction{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}
	stopped, err := act(ctx, s.Stop, "shop", named, false, record)
	if err != nil {
		t.Fatal(err)
	}
	if stored := get(t, s, "shop"); !stopped.Spec.Paused || !stored.Spec.Paused || stored.Generation != 2 || stored.ResourceVersion != stopped.ResourceVersion {
		t.Fatalf("stop stored paused %v generation %d", stored.Spec.Paused, stored.Generation)
	}
	if _, err := act(ctx, s.Stop, "shop", nil, false, nil); !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "already") {
		t.Fatalf("second stop: want 409, got %v", err)
	}

	// A dry-run resume leaves it stopped; the real one resumes it.
	if dry, err := act(ctx, s.Resume, "shop", nil, true, nil); err != nil || dry.Spec.Paused {
		t.Fatalf("dry-run resume: %v", err)
	}
	if !get(t, s, "shop").Spec.Paused {
		t.Fatal("a dry-run resume resumed the environment")
	}
	resumed, err := act(ctx, s.Resume, "shop", nil, false, nil)
	if err != nil || resumed.Spec.Paused || get(t, s, "shop").Spec.Paused {
		t.Fatalf("resume: %v", err)
	}

	// Neither while the environment is being deleted.
	env := get(t, s, "shop")
	env.Finalizers = []string{"stax.microstax.ai/teardown"}
	if _, err := update(ctx, s.Environment, env); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Environment.Delete(ctx, "shop", rest.ValidateAllObjectFunc, &metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*environment.PauseREST{s.Stop, s.Resume} {
		if _, err := act(ctx, r, "shop", nil, false, nil); !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "being deleted") {
			t.Fatalf("action on a deleting environment: want 409, got %v", err)
		}
	}
}

// source is a LogSource whose output the test writes.
type source struct {
	mu   sync.Mutex
	opts []envruntime.LogOptions
	out  func() io.ReadCloser
	err  error
}

func (s *source) SecretValues(ctx context.Context, org, env string) ([]string, error) {
	return nil, nil
}

func (s *source) Logs(ctx context.Context, org, env string, opts envruntime.LogOptions) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts = append(s.opts, opts)
	if s.err != nil {
		return nil, s.err
	}
	return s.out(), nil
}

func int64p(i int64) *int64 { return &i }

func TestStorageLogOptions(t *testing.T) {
	src := &source{out: func() io.ReadCloser { return io.NopCloser(strings.NewReader("db listening\n")) }}
	s := newStorage(t, src)
	ctx := registrytest.Context("acme", "alice")
	create(t, s, newEnvironment("shop"))

	// Each bad option is refused with 400 naming it.
	for _, c := range []struct {
		opts  stax.EnvironmentLogOptions
		field string
	}{
		{stax.EnvironmentLogOptions{Service: "cache"}, "service"},
		{stax.EnvironmentLogOptions{Replica: int64p(0)}, "service"},
		{stax.EnvironmentLogOptions{Service: "api", Replica: int64p(-1)}, "replica"},
		{stax.EnvironmentLogOptions{TailLines: int64p(-1)}, "tailLines"},
		{stax.EnvironmentLogOptions{SinceSeconds: int64p(0)}, "sinceSeconds"},
	} {
		_, err := s.Log.Get(ctx, "shop", &c.opts)
		if !apierrors.IsBadRequest(err) || !registrytest.HasCause(err, c.field) {
			t.Errorf("%+v: want 400 naming %s, got %v", c.opts, c.field, err)
		}
	}
	if len(src.opts) != 0 {
		t.Fatalf("bad options reached the source: %+v", src.opts)
	}
	if _, err := s.Log.Get(ctx, "nope", &stax.EnvironmentLogOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("log of a missing environment: want 404, got %v", err)
	}

	// Good options reach the source as the runtime's.
	obj, err := s.Log.Get(ctx, "shop", &stax.EnvironmentLogOptions{Service: "api", Replica: int64p(1), TailLines: int64p(0), SinceSeconds: int64p(30), Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	streamer, ok := obj.(rest.ResourceStreamer)
	if !ok {
		t.Fatalf("log answered a %T, want a rest.ResourceStreamer", obj)
	}
	stream, flush, contentType, err := streamer.InputStream(ctx, "stax.microstax.ai/v1alpha1", "")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(stream)
	stream.Close()
	if string(body) != "db listening\n" || !flush || !strings.HasPrefix(contentType, "text/plain") {
		t.Fatalf("stream %q flush %v content type %q", body, flush, contentType)
	}
	o := src.opts[0]
	if o.Service != "api" || o.Replica != 1 || o.TailLines == nil || *o.TailLines != 0 || o.SinceSeconds == nil || *o.SinceSeconds != 30 || !o.Follow {
		t.Fatalf("source got %+v", o)
	}
	// No replica is every replica; no follow is no flushing.
	obj, err = s.Log.Get(ctx, "shop", &stax.EnvironmentLogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, flush, _, err := obj.(rest.ResourceStreamer).InputStream(ctx, "", ""); err != nil || flush {
		t.Fatalf("without follow: flush %v, %v", flush, err)
	}
	if o := src.opts[1]; o.Replica != -1 || o.Service != "" || o.TailLines != nil || o.Follow {
		t.Fatalf("defaults reached the source as %+v", o)
	}

	// The runtime's refusal is a 404 of the log.
	src.err = envruntime.ErrNotFound
	obj, err = s.Log.Get(ctx, "shop", &stax.EnvironmentLogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := obj.(rest.ResourceStreamer).InputStream(ctx, "", ""); !apierrors.IsNotFound(err) {
		t.Fatalf("source without logs: want 404, got %v", err)
	}

	// The former name answers the same, with a warning.
	src.err = nil
	rec := &warnings{}
	if _, err := s.Logs.Get(warning.WithWarningRecorder(ctx, rec), "shop", &stax.EnvironmentLogOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(rec.texts) != 1 || !strings.Contains(rec.texts[0], "use environments/log") {
		t.Fatalf("environments/logs warned %q", rec.texts)
	}
	rec = &warnings{}
	if _, err := s.Log.Get(warning.WithWarningRecorder(ctx, rec), "shop", &stax.EnvironmentLogOptions{}); err != nil || len(rec.texts) != 0 {
		t.Fatalf("environments/log warned %q (%v)", rec.texts, err)
	}

	// A server without a runtime has no logs to give.
	none := newStorage(t, nil)
	create(t, none, newEnvironment("shop"))
	if _, err := none.Log.Get(ctx, "shop", &stax.EnvironmentLogOptions{}); !apierrors.IsServiceUnavailable(err) {
		t.Fatalf("no runtime: want 503, got %v", err)
	}
}

type warnings struct{ texts []string }

func (w *warnings) AddWarning(agent, text string) { w.texts = append(w.texts, text) }

// TestLogFollowFlushesEachLine serves the log answer as the apiserver's
// handler does (responsewriters.StreamObject) and checks that a follower
// reads each line within 100ms of its being written.
func TestLogFollowFlushesEachLine(t *testing.T) {
	pr, pw := io.Pipe()
	src := &source{out: func() io.ReadCloser { return pr }}
	s := newStorage(t, src)
	ctx := registrytest.Context("acme", "alice")
	create(t, s, newEnvironment("shop"))
	obj, err := s.Log.Get(ctx, "shop", &stax.EnvironmentLogOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	codecs := serializer.NewCodecFactory(registrytest.Scheme)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		responsewriters.StreamObject(http.StatusOK, v1alpha1.SchemeGroupVersion, codecs, obj.(rest.ResourceStreamer), w, r)
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
	lines := bufio.NewReader(resp.Body)
	for i := 0; i < 5; i++ {
		sent := time.Now()
		if _, err := io.WriteString(pw, "tick\n"); err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 1)
		go func() {
			l, _ := lines.ReadString('\n')
			got <- l
		}()
		select {
		case l := <-got:
			if l != "tick\n" {
				t.Fatalf("line %d: %q", i, l)
			}
			// Speed is the benchmarks' business; this shows the flush.
			t.Logf("line %d arrived after %s", i, time.Since(sent))
		case <-time.After(5 * time.Second):
			t.Fatalf("line %d never arrived: the answer is not flushed", i)
		}
	}
	pw.Close()
}

// followSource behaves as the runtimes promise: a follow reads until its
// context ends.
type followSource struct{}

func (followSource) SecretValues(ctx context.Context, org, env string) ([]string, error) {
	return nil, nil
}

func (followSource) Logs(ctx context.Context, org, env string, opts envruntime.LogOptions) (io.ReadCloser, error) {
	pr, pw := io.Pipe()
	go func() {
		<-ctx.Done()
		pw.Close()
	}()
	return pr, nil
}

// TestLogFollowEndsOnShutdown: a follower's stream ends when the server
// begins to stop, though its client is still there, so open follows do not
// hold the server's exit; a stream closed by its reader ends its context.
func TestLogFollowEndsOnShutdown(t *testing.T) {
	shutdown := make(chan struct{})
	s := newStorageStopping(t, followSource{}, shutdown)
	create(t, s, newEnvironment("shop"))
	ctx := registrytest.Context("acme", "alice")
	open := func() io.ReadCloser {
		t.Helper()
		obj, err := s.Log.Get(ctx, "shop", &stax.EnvironmentLogOptions{Follow: true})
		if err != nil {
			t.Fatal(err)
		}
		stream, _, _, err := obj.(rest.ResourceStreamer).InputStream(ctx, "", "")
		if err != nil {
			t.Fatal(err)
		}
		return stream
	}
	readEnds := func(stream io.Reader) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, stream)
			done <- err
		}()
		return done
	}

	closed := open()
	ended := readEnds(closed)
	closed.Close()
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("closing the stream did not end the follow")
	}

	stream := open()
	defer stream.Close()
	ended = readEnds(stream)
	select {
	case err := <-ended:
		t.Fatalf("the follow ended before shutdown: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(shutdown)
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the follow outlived the server's shutdown signal")
	}
}
