package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/test/e2e/hacluster"
)

// The controllers' side of each fault: the managers act only in their own
// namespace (--namespace), so that their status writes never touch the
// keys porcupine checks; a create every second there, and a probe created
// right after the fault.
const (
	haControllerNamespace = "ctl"
	haCreateEvery         = time.Second
	// haControllerActs bounds fault → the probe is Ready on a loaded
	// two-core box: the manager's session TTL, a campaign, a sync.
	haControllerActs = 30 * time.Second
)

// controllerLoad creates sleepers (failover_test.go) for the controllers
// until its context ends.
type controllerLoad struct {
	client versioned.Interface
	prefix string

	mu    sync.Mutex
	names []string
}

func (l *controllerLoad) run(ctx context.Context) {
	envs := l.client.StaxV1alpha1().Environments(haControllerNamespace)
	for n := 0; ; n++ {
		name := fmt.Sprintf("%s-c%d", l.prefix, n)
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := envs.Create(cctx, sleeper(name), metav1.CreateOptions{})
		cancel()
		if err == nil {
			l.mu.Lock()
			l.names = append(l.names, name)
			l.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(haCreateEvery):
		}
	}
}

func (l *controllerLoad) created() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string{}, l.names...)
}

// probeController creates name (retried while the fault keeps the API
// away) and returns how long after since it was first seen Ready, and
// when each step was seen on the way: the create acknowledged, then each
// phase, which tells a controller that saw the object late from one
// whose writes were slow.
func probeController(client versioned.Interface, name string, since time.Time) (time.Duration, string, error) {
	envs := client.StaxV1alpha1().Environments(haControllerNamespace)
	deadline := since.Add(haControllerActs + haCheckDeadline)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := envs.Create(ctx, sleeper(name), metav1.CreateOptions{})
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return 0, "", fmt.Errorf("creating %s: %w", name, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	steps := []string{"created " + time.Since(since).Round(100*time.Millisecond).String()}
	var phase staxv1.EnvironmentPhase
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		e, err := envs.Get(ctx, name, metav1.GetOptions{})
		cancel()
		if err == nil && e.Status.Phase != phase {
			phase = e.Status.Phase
			steps = append(steps, fmt.Sprintf("%s %s", phase, time.Since(since).Round(100*time.Millisecond)))
			if phase == staxv1.EnvironmentReady {
				return time.Since(since), strings.Join(steps, ", "), nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0, strings.Join(steps, ", "), fmt.Errorf("%s not Ready %s after the fault (phase %q)", name, time.Since(since).Round(time.Second), phase)
}

// notSettled waits until every named environment is Ready and returns
// those that are not, with their phase.
func notSettled(client versioned.Interface, names []string, timeout time.Duration) []string {
	envs := client.StaxV1alpha1().Environments(haControllerNamespace)
	deadline := time.Now().Add(timeout)
	for {
		var stuck []string
		list, err := envs.List(context.Background(), metav1.ListOptions{})
		if err == nil {
			phases := map[string]staxv1.EnvironmentPhase{}
			for _, e := range list.Items {
				phases[e.Name] = e.Status.Phase
			}
			for _, n := range names {
				if p, ok := phases[n]; !ok || p != staxv1.EnvironmentReady {
					stuck = append(stuck, fmt.Sprintf("%s (phase %q, present %v)", n, p, ok))
				}
			}
		} else {
			stuck = []string{"list: " + err.Error()}
		}
		if len(stuck) == 0 || time.Now().After(deadline) {
			sort.Strings(stuck)
			return stuck
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// deleteEnvironments removes a fault's environments and waits until they
// are gone, so their processes do not pile up over the faults and the
// next fault starts on an idle controller: 19 deletions still being
// worked through once held the next fault's probe back by 7 s. How long
// it took is returned for the log.
func deleteEnvironments(client versioned.Interface, names []string) (time.Duration, error) {
	began := time.Now()
	envs := client.StaxV1alpha1().Environments(haControllerNamespace)
	for _, n := range names {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = envs.Delete(ctx, n, metav1.DeleteOptions{})
		cancel()
	}
	left := sets.New(names...)
	for deadline := time.Now().Add(haCheckDeadline); left.Len() > 0; {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		list, err := envs.List(ctx, metav1.ListOptions{})
		cancel()
		if err == nil {
			still := sets.New[string]()
			for _, e := range list.Items {
				if left.Has(e.Name) {
					still.Insert(e.Name)
				}
			}
			left = still
		}
		if left.Len() == 0 {
			break
		}
		if time.Now().After(deadline) {
			return time.Since(began), fmt.Errorf("%d environments not gone %s after their deletion: %v", left.Len(), haCheckDeadline, sets.List(left))
		}
		time.Sleep(200 * time.Millisecond)
	}
	return time.Since(began), nil
}

// managerRestarts counts, per manager, how often its supervisor started
// it again (a manager exits when it loses leadership).
func managerRestarts(topo *hacluster.Topology) map[string]int {
	n := map[string]int{}
	for _, p := range topo.ControllerManagers {
		n[p.Name] = p.Restarts()
	}
	return n
}

// restartedSince lists the managers restarted since before, with their
// log's end: why each ended is in there.
func restartedSince(t *testing.T, topo *hacluster.Topology, before map[string]int) []string {
	var restarted []string
	for _, p := range topo.ControllerManagers {
		if d := p.Restarts() - before[p.Name]; d > 0 {
			restarted = append(restarted, fmt.Sprintf("%s ×%d", p.Name, d))
			t.Logf("%s was restarted %d times by its supervisor; its log before the last:\n%s", p.Name, d, p.TailBefore(hacluster.RestartNote, 6))
		}
	}
	return restarted
}

// haFigures are one fault's measurements, a row of the table.
type haFigures struct {
	fault                       string
	acked, lost                 int
	writesAgain, controllerActs string
	notSettled, watchResumes    int
	verdict                     string
}

func logHAFigures(t *testing.T, rows []haFigures) {
	var b strings.Builder
	b.WriteString("| fault | writes acknowledged | lost | writes succeed again | controller acts | not settled | watch resumed | porcupine |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %d | %d | %s |\n", r.fault, r.acked, r.lost, r.writesAgain,
			r.controllerActs, r.notSettled, r.watchResumes, r.verdict)
	}
	t.Logf("figures:\n%s", b.String())
}
