package hacluster

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// ValueAnnotation holds the value a recorded write put on an Environment.
const ValueAnnotation = "hatest.microstax.ai/value"

// callTimeout bounds one call; past it the outcome is unknown.
const callTimeout = 10 * time.Second

// Ack is an acknowledged write.
type Ack struct {
	Key          string
	RV           int64
	Call, Return time.Duration // since the history began
}

// History records every call made on Environments of one namespace, its
// answer and the resourceVersion it saw, for porcupine.
type History struct {
	// Clients are the callers by number, each its own connection.
	Clients   []versioned.Interface
	Namespace string

	start time.Time
	mu    sync.Mutex
	ops   []porcupine.Operation
	acks  []Ack
	// failedReads are gets without an answer; a read changes nothing, so
	// they are left out of the history.
	failedReads int
}

// NewHistory begins a history now.
func NewHistory(clients []versioned.Interface, namespace string) *History {
	return &History{Clients: clients, Namespace: namespace, start: time.Now()}
}

// Since is the time since the history began, its clock.
func (h *History) Since() time.Duration { return time.Since(h.start) }

func (h *History) record(client int, in Input, call time.Duration, out Output) {
	ret := int64(h.Since())
	if out.Outcome == Unknown {
		// It may take effect at any time after its call.
		ret = math.MaxInt64
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Output: out, Call: int64(call), Return: ret})
	if out.Outcome == OK && in.Kind != OpGet {
		h.acks = append(h.acks, Ack{Key: in.Key, RV: out.RV, Call: call, Return: time.Duration(ret)})
	}
}

func outcome(err error) Outcome {
	switch {
	case err == nil:
		return OK
	case apierrors.IsAlreadyExists(err):
		return Exists
	case apierrors.IsConflict(err):
		return Conflict
	case apierrors.IsNotFound(err):
		return NotFound
	}
	return Unknown
}

func parseRV(s string) int64 {
	rv, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(fmt.Sprintf("resourceVersion %q is not a number", s))
	}
	return rv
}

func environment(key, value string) *staxv1.Environment {
	return &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: key, Annotations: map[string]string{ValueAnnotation: value}},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
			{Name: "job", Command: []string{"./job"}}}}},
	}
}

// Create records a create of key with value.
func (h *History) Create(client int, key, value string) Output {
	in, call := Input{Kind: OpCreate, Key: key, Value: value}, h.Since()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	e, err := h.Clients[client].StaxV1alpha1().Environments(h.Namespace).Create(ctx, environment(key, value), metav1.CreateOptions{})
	out := Output{Outcome: outcome(err)}
	if err == nil {
		out.RV = parseRV(e.ResourceVersion)
	}
	h.record(client, in, call, out)
	return out
}

// Update records an update of key to value on condition that it is still
// at resourceVersion pre.
func (h *History) Update(client int, key, value string, pre int64) Output {
	in, call := Input{Kind: OpUpdate, Key: key, Value: value, PreRV: pre}, h.Since()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	obj := environment(key, value)
	obj.ResourceVersion = strconv.FormatInt(pre, 10)
	e, err := h.Clients[client].StaxV1alpha1().Environments(h.Namespace).Update(ctx, obj, metav1.UpdateOptions{})
	out := Output{Outcome: outcome(err)}
	if err == nil {
		out.RV = parseRV(e.ResourceVersion)
	}
	h.record(client, in, call, out)
	return out
}

// Get records a quorum read (resourceVersion "") of key.
func (h *History) Get(client int, key string) Output {
	in, call := Input{Kind: OpGet, Key: key}, h.Since()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	e, err := h.Clients[client].StaxV1alpha1().Environments(h.Namespace).Get(ctx, key, metav1.GetOptions{ResourceVersion: ""})
	out := Output{Outcome: outcome(err)}
	switch out.Outcome {
	case OK:
		out.Value, out.RV = e.Annotations[ValueAnnotation], parseRV(e.ResourceVersion)
	case NotFound:
	default:
		h.mu.Lock()
		h.failedReads++
		h.mu.Unlock()
		return out
	}
	h.record(client, in, call, out)
	return out
}

// ListAll is a quorum list of keys, recorded as a read of each; it returns
// each key's resourceVersion and the list's.
func (h *History) ListAll(client int, keys []string) (map[string]int64, int64, error) {
	call := h.Since()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	l, err := h.Clients[client].StaxV1alpha1().Environments(h.Namespace).List(ctx, metav1.ListOptions{ResourceVersion: ""})
	if err != nil {
		return nil, 0, err
	}
	found := map[string]*staxv1.Environment{}
	for i := range l.Items {
		found[l.Items[i].Name] = &l.Items[i]
	}
	rvs := map[string]int64{}
	for _, k := range keys {
		out := Output{Outcome: NotFound}
		if e := found[k]; e != nil {
			out = Output{Outcome: OK, Value: e.Annotations[ValueAnnotation], RV: parseRV(e.ResourceVersion)}
			rvs[k] = out.RV
		}
		h.record(client, Input{Kind: OpGet, Key: k}, call, out)
	}
	return rvs, parseRV(l.ResourceVersion), nil
}

// Run is one client's load until ctx ends: read a random key, then create
// it or update it from the resourceVersion read. Clients share the keys,
// so updates conflict.
func (h *History) Run(ctx context.Context, client int, keys []string) {
	for seq := 0; ctx.Err() == nil; seq++ {
		key := keys[rand.IntN(len(keys))]
		value := fmt.Sprintf("c%d-%d", client, seq)
		switch got := h.Get(client, key); got.Outcome {
		case NotFound:
			h.Create(client, key, value)
		case OK:
			h.Update(client, key, value, got.RV)
		default:
			// No server answered: do not spin.
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// Operations are the recorded calls.
func (h *History) Operations() []porcupine.Operation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]porcupine.Operation{}, h.ops...)
}

// Acks are the acknowledged writes, in the order their answers came.
func (h *History) Acks() []Ack {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Ack{}, h.acks...)
}

// Counts are the calls by outcome, and the reads left out.
func (h *History) Counts() (byOutcome map[Outcome]int, failedReads int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	byOutcome = map[Outcome]int{}
	for _, op := range h.ops {
		byOutcome[op.Output.(Output).Outcome]++
	}
	return byOutcome, h.failedReads
}

// Lost are the acknowledged writes the final state does not contain: the
// key is gone, or its resourceVersion is older than the write's.
func Lost(acks []Ack, final map[string]int64) []Ack {
	var lost []Ack
	for _, a := range acks {
		if rv, ok := final[a.Key]; !ok || rv < a.RV {
			lost = append(lost, a)
		}
	}
	return lost
}

// Recovery is how long after the fault at t the first write called after
// it was acknowledged; false if none was.
func Recovery(acks []Ack, t time.Duration) (time.Duration, bool) {
	best, ok := time.Duration(0), false
	for _, a := range acks {
		if a.Call >= t && (!ok || a.Return-t < best) {
			best, ok = a.Return-t, true
		}
	}
	return best, ok
}

// Check runs porcupine on the history; an unknown verdict (timeout) is a
// failure too.
func (h *History) Check(timeout time.Duration) (porcupine.CheckResult, porcupine.LinearizationInfo) {
	return porcupine.CheckOperationsVerbose(Model, h.Operations(), timeout)
}
