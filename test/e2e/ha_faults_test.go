package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/generated/clientset/versioned"
	"github.com/microstax/stax/test/e2e/hacluster"
)

// Load shape of each fault: a few clients on shared keys, the fault after
// a warm-up, the load going on until well after it.
const (
	haClients       = 3
	haKeys          = 4
	haWarmUp        = 3 * time.Second
	haAfterFault    = 15 * time.Second
	haRestartAfter  = 3 * time.Second
	haNamespace     = "acme"
	haCheckDeadline = time.Minute
)

// haFault breaks the topology at the given moment and puts it back.
type haFault struct {
	name string
	// cutsWatch: the fault ends the watch's stream, which must resume.
	cutsWatch bool
	inject    func(t *testing.T, topo *hacluster.Topology) (restore func(t *testing.T))
}

// TestHAFaults runs the HA topology (three etcd members, three
// stax-apiservers, HAProxy in front) under a steady load of creates and
// conditional updates and breaks one part at a time. After each fault:
// no acknowledged write is lost, a watch resumed from its resourceVersion
// missed nothing, and the recorded history is linearizable (porcupine).
func TestHAFaults(t *testing.T) {
	begin := time.Now()
	ctx := context.Background()
	dir := t.TempDir()
	topo, err := hacluster.Start(ctx, hacluster.Config{
		Dir:      dir,
		ToolsBin: toolsBin,
		StaxCommand: func(args ...string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), runServerEnv+"=1")
			return cmd
		},
		// The replicas only store; two leader-elected managers run the
		// controllers, on the local runtime (--runtime=none has no
		// environment controller), in their namespace only.
		// --activity-write-interval=0: a replica's own status patch of
		// lastUsedTime (once a minute per environment used through it)
		// is a writer the model does not know: the key's resourceVersion
		// moves without a recorded write, and porcupine rightly finds the
		// history illegal (seen on the etcd leader fault, the one that
		// spans the first minute).
		ExtraStaxArgs:      []string{"--runtime=none", "--controllers=", "--activity-write-interval=0"},
		ControllerManagers: 2,
		ControllerManagerCommand: func(args ...string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), runControllerManagerEnv+"=1")
			return cmd
		},
		ExtraControllerManagerArgs: []string{"--namespace=" + haControllerNamespace},
	})
	if err != nil {
		t.Fatalf("starting the HA topology: %v", err)
	}
	t.Cleanup(func() {
		topo.Stop()
		if t.Failed() {
			for _, p := range topo.Processes() {
				t.Logf("end of %s:\n%s", p.Log, p.Tail(25))
			}
		}
	})
	t.Logf("topology up in %s: etcd %v, stax-apiservers %v, HAProxy %s", time.Since(begin).Round(time.Millisecond),
		topo.EtcdURLs, topo.APIServerURLs, topo.URL)
	// One per load client, one for the final list, one for the watch.
	var clients []versioned.Interface
	var watchConn func() string
	for i := range haClients + 2 {
		timeout := 10 * time.Second
		if i == haClients+1 {
			timeout = 0
		}
		cfg, conn := topo.RESTConfig(timeout)
		watchConn = conn
		c, err := versioned.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	ctlCfg, _ := topo.RESTConfig(10 * time.Second)
	ctlClient, err := versioned.NewForConfig(ctlCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a token minted on the shared keys verifies on every replica", func(t *testing.T) {
		checkSharedToken(t, topo)
	})

	restartEtcd := func(members ...int) func(t *testing.T) {
		return func(t *testing.T) {
			for _, i := range members {
				if err := topo.Etcd[i].Start(); err != nil {
					t.Fatal(err)
				}
			}
			if err := topo.WaitEtcdHealthy(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	killEtcd := func(t *testing.T, members ...int) func(t *testing.T) {
		for _, i := range members {
			topo.Etcd[i].Kill()
		}
		return restartEtcd(members...)
	}
	leader := func(t *testing.T) int {
		i, err := topo.EtcdLeader(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return i
	}
	faults := []haFault{
		{"SIGKILL of one stax-apiserver", true, func(t *testing.T, topo *hacluster.Topology) func(t *testing.T) {
			// The watch's replica: the watch must resume elsewhere.
			i, err := topo.APIServerOf(watchConn())
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("killing stax-apiserver%d, which serves the watch", i)
			topo.APIServers[i].Kill()
			return func(t *testing.T) {
				if err := topo.APIServers[i].Start(); err != nil {
					t.Fatal(err)
				}
				if err := topo.WaitAPIServerReady(ctx, i); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"SIGKILL of one etcd follower", false, func(t *testing.T, topo *hacluster.Topology) func(t *testing.T) {
			return killEtcd(t, (leader(t)+1)%len(topo.Etcd))
		}},
		{"SIGKILL of the etcd leader", false, func(t *testing.T, topo *hacluster.Topology) func(t *testing.T) {
			return killEtcd(t, leader(t))
		}},
		{"restart of every etcd member at once", false, func(t *testing.T, topo *hacluster.Topology) func(t *testing.T) {
			return killEtcd(t, 0, 1, 2)
		}},
		{"SIGKILL of the controller leader", false, func(t *testing.T, topo *hacluster.Topology) func(t *testing.T) {
			i, err := topo.WaitControllerLeader(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("killing %s, which leads", topo.ControllerManagers[i].Name)
			topo.ControllerManagers[i].Kill()
			// Its supervisor starts it again a second later; this
			// Start is then a no-op.
			return func(t *testing.T) {
				if err := topo.ControllerManagers[i].Start(); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	var figures []haFigures
	for n, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			figures = append(figures, runHAFault(t, topo, clients, ctlClient, fmt.Sprintf("f%d", n), f))
		})
	}
	logHAFigures(t, figures)
	t.Logf("TestHAFaults took %s", time.Since(begin).Round(time.Millisecond))
}

func runHAFault(t *testing.T, topo *hacluster.Topology, clients []versioned.Interface, ctlClient versioned.Interface,
	prefix string, f haFault) haFigures {
	began := time.Now()
	keys := make([]string, haKeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s-k%d", prefix, i)
	}
	start, err := clients[haClients].StaxV1alpha1().Environments(haNamespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	from := mustRV(t, start.ResourceVersion)
	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	w := hacluster.Watch(watchCtx, clients[haClients+1], haNamespace, from)

	h := hacluster.NewHistory(clients[:haClients+1], haNamespace)
	loadCtx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for c := range haClients {
		wg.Go(func() { h.Run(loadCtx, c, keys) })
	}
	ctlLoad := &controllerLoad{client: ctlClient, prefix: prefix}
	wg.Go(func() { ctlLoad.run(loadCtx) })
	time.Sleep(haWarmUp)
	restartsBefore := managerRestarts(topo)
	// The fault is in place once the process is dead: writes called from
	// then on can only succeed on what is left.
	restore := f.inject(t, topo)
	faultAt := h.Since()
	faultTime := time.Now()
	var acted time.Duration
	var actedErr error
	var actedSteps string
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		acted, actedSteps, actedErr = probeController(ctlClient, prefix+"-probe", faultTime)
	}()
	time.Sleep(haRestartAfter)
	restore(t)
	restoredAt := h.Since()
	time.Sleep(max(0, faultAt+haAfterFault-h.Since()))
	stopLoad()
	wg.Wait()

	// Quorum list of the keys; retried, for the last member may still be
	// catching up.
	var final map[string]int64
	var listRV int64
	for deadline := time.Now().Add(haCheckDeadline); ; {
		if final, listRV, err = h.ListAll(haClients, keys); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no quorum list after the fault: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for deadline := time.Now().Add(haCheckDeadline); w.LastRV() < listRV && time.Now().Before(deadline); {
		// A bookmark or an event of another key may move it on; the
		// events of these keys are what count.
		if hasAll(w, h, from) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	stopWatch()
	<-w.Stopped()
	<-probed
	restarted := restartedSince(t, topo, restartsBefore)
	stuck := notSettled(ctlClient, append(ctlLoad.created(), prefix+"-probe"), haCheckDeadline)

	acks := h.Acks()
	lost := hacluster.Lost(acks, final)
	recovery, recovered := hacluster.Recovery(acks, faultAt)
	counts, failedReads := h.Counts()
	gaps := w.Gaps(from, acks, h.ReadRVs())
	checkStart := time.Now()
	verdict, info := h.Check(haCheckDeadline)
	checkTook := time.Since(checkStart)

	recoveryText := "never"
	if recovered {
		recoveryText = recovery.Round(time.Millisecond).String()
	}
	actedText := "never"
	if actedErr == nil {
		actedText = acted.Round(100 * time.Millisecond).String()
	}
	t.Logf("%s: the probe after the fault: %s", f.name, actedSteps)
	t.Logf("%s: writes acknowledged %d, writes lost %d, writes succeed again %s after the fault (restored after %s), "+
		"controller acted (an environment created after the fault Ready) %s after it, environments not settled %d of %d, "+
		"managers restarted by their supervisor %v, porcupine %s (%d operations, checked in %s); "+
		"outcomes %v, unanswered reads %d, watch resumed %d times, gaps %d; took %s",
		f.name, len(acks), len(lost), recoveryText, (restoredAt - faultAt).Round(time.Millisecond),
		actedText, len(stuck), len(ctlLoad.created())+1, restarted, verdict,
		len(h.Operations()), checkTook.Round(time.Millisecond), counts, failedReads, w.Resumes, len(gaps),
		time.Since(began).Round(time.Millisecond))
	switch {
	case actedErr != nil:
		t.Errorf("the controllers did not act after the fault: %v", actedErr)
	case acted > haControllerActs:
		t.Errorf("the controllers acted %s after the fault, want within %s", acted, haControllerActs)
	}
	for _, s := range stuck {
		t.Errorf("environment not settled (Ready) %s after the fault: %s", haCheckDeadline, s)
	}
	if took, err := deleteEnvironments(ctlClient, append(ctlLoad.created(), prefix+"-probe")); err != nil {
		t.Error(err)
	} else {
		t.Logf("%s: the fault's environments deleted and gone in %s", f.name, took.Round(100*time.Millisecond))
	}

	if len(acks) == 0 {
		t.Error("no write was acknowledged: the load did not run")
	}
	for _, a := range lost {
		t.Errorf("acknowledged write lost: %s at resourceVersion %d (final %d)", a.Key, a.RV, final[a.Key])
	}
	if !recovered {
		t.Error("no write called after the fault was acknowledged")
	}
	if f.cutsWatch && w.Resumes == 0 {
		t.Error("the watch was cut by the fault but did not resume")
	}
	for _, g := range gaps {
		t.Errorf("watch gap: %s", g)
	}
	if verdict != porcupine.Ok {
		// Not in t.TempDir(): that goes with the test, and the history is
		// what one reads after it.
		if dir, err := os.MkdirTemp("", "ha-history-"); err == nil {
			path := filepath.Join(dir, prefix+".html")
			if err := porcupine.VisualizePath(hacluster.Model, info, path); err == nil {
				t.Logf("porcupine's visualization (kept): %s", path)
			}
		}
		t.Errorf("porcupine: %s (an unknown verdict is a timeout after %s)", verdict, haCheckDeadline)
	}
	// The next fault starts on a whole topology.
	for i := range topo.APIServers {
		if err := topo.WaitAPIServerReady(context.Background(), i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := topo.WaitControllerLeader(context.Background()); err != nil {
		t.Fatal(err)
	}
	return haFigures{fault: f.name, acked: len(acks), lost: len(lost), writesAgain: recoveryText, controllerActs: actedText,
		notSettled: len(stuck), watchResumes: w.Resumes, verdict: string(verdict)}
}

// hasAll reports whether the watcher has seen every acknowledged write.
func hasAll(w *hacluster.Watcher, h *hacluster.History, from int64) bool {
	return len(w.Gaps(from, h.Acks(), nil)) == 0
}

func mustRV(t *testing.T, s string) int64 {
	t.Helper()
	var rv int64
	if _, err := fmt.Sscan(s, &rv); err != nil {
		t.Fatalf("resourceVersion %q: %v", s, err)
	}
	return rv
}
