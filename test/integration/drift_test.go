package integration

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/runtime"
)

// replicaProcess finds the process of a replica by the identity the
// local runtime passes it, and returns its pid and environment.
func replicaProcess(t *testing.T, env, service string) (int, map[string]string) {
	t.Helper()
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", p.Name(), "environ"))
		if err != nil {
			continue
		}
		vars := map[string]string{}
		for _, kv := range strings.Split(string(raw), "\x00") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				vars[k] = v
			}
		}
		if vars["STAX_ENVIRONMENT"] == env && vars["STAX_SERVICE"] == service && syscall.Getpgrp() != pid {
			if pgid, err := syscall.Getpgid(pid); err == nil && pgid == pid {
				return pid, vars
			}
		}
	}
	t.Fatalf("no process of %s/%s", env, service)
	return 0, nil
}

func driftedCondition(e *staxv1.Environment) *metav1.Condition {
	return meta.FindStatusCondition(e.Status.Conditions, staxv1.ConditionDrifted)
}

func openDrift(e *staxv1.Environment, field string) *staxv1.DriftRecord {
	if e.Status.Drift == nil {
		return nil
	}
	for i, r := range e.Status.Drift.History {
		if r.ResolvedAt == nil && r.Field == field {
			return &e.Status.Drift.History[i]
		}
	}
	return nil
}

// TestDriftOnLocalRuntime: under detect, a replica replaced in place (it
// execs another program) and a port of a replica answered by a process the
// runtime did not start are reported in the Drifted condition and the
// history, while a replica killed and restarted by the supervisor is not;
// under remediate the plan's processes are started again and counted.
func TestDriftOnLocalRuntime(t *testing.T) {
	s := startInProcess(t)
	ctx := context.Background()
	orgs := s.Client.StaxV1alpha1().Organizations()
	if _, err := orgs.Create(ctx, &staxv1.Organization{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	setPolicy := func(body string) {
		t.Helper()
		if _, err := orgs.Patch(ctx, ns, types.MergePatchType, []byte(body), metav1.PatchOptions{}, "driftpolicy"); err != nil {
			t.Fatal(err)
		}
	}
	setPolicy(`{"spec":{"driftPolicy":{"mode":"detect"}}}`)

	// api serves PORT only, so PORT_ADMIN is free for a squatter; worker
	// replaces itself once a file appears in its working directory.
	api := demo(t, "api", 1, nil)
	api.Ports = append(api.Ports, staxv1.ServicePort{Name: "admin", Port: 9090})
	script := `while [ ! -e replace ]; do sleep 0.05; done; exec sleep 600`
	worker := staxv1.ServiceSpec{Name: "worker", Command: []string{"sh", "-c", script}, Replicas: ptr.To(int32(1))}
	envs := s.Client.StaxV1alpha1().Environments(ns)
	if _, err := envs.Create(ctx, &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: ns},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{api, worker}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "shop", "Ready and in sync", func(e *staxv1.Environment) bool {
		c := driftedCondition(e)
		return phaseIs(staxv1.EnvironmentReady)(e) && c != nil && c.Status == metav1.ConditionFalse
	})

	// Killed: the supervisor restarts it; a crash is not drift.
	pid, _ := replicaProcess(t, "shop", "api")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "shop", "restarted and Ready", func(e *staxv1.Environment) bool {
		return phaseIs(staxv1.EnvironmentReady)(e) && len(e.Status.Services) == 2 && e.Status.Services[0].Restarts == 1
	})
	// ... and replaced: someone else answers the restarted replica's admin port.
	_, vars := replicaProcess(t, "shop", "api")
	l, err := net.Listen("tcp", "127.0.0.1:"+vars["PORT_ADMIN"])
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	e := waitFor(t, s, "shop", "reported with drifted ports", func(e *staxv1.Environment) bool {
		return openDrift(e, runtime.DriftPorts) != nil
	})
	if r := openDrift(e, runtime.DriftPorts); r.Service != "api" || !strings.Contains(r.Actual, "127.0.0.1:"+vars["PORT_ADMIN"]) ||
		!strings.Contains(r.Actual, "which the runtime did not start") {
		t.Errorf("ports drift: %+v", r)
	}
	if c := driftedCondition(e); c.Status != metav1.ConditionTrue || c.Reason != "Drifted" || !strings.Contains(c.Message, "api ports") {
		t.Errorf("Drifted condition: %+v", c)
	}
	for _, r := range e.Status.Drift.History {
		if r.Field != runtime.DriftPorts {
			t.Errorf("the restart was reported as drift: %+v", r)
		}
	}

	// Replaced in place: the worker execs another program.
	trigger := filepath.Join(s.DataDir, "runtime", "envs", ns, "shop", "work", "replace")
	if err := os.WriteFile(trigger, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	e = waitFor(t, s, "shop", "reported with a drifted command", func(e *staxv1.Environment) bool {
		return openDrift(e, runtime.DriftCommand) != nil
	})
	if r := openDrift(e, runtime.DriftCommand); r.Service != "worker" || r.Expected != "sh -c "+script || r.Actual != "worker-0: sleep 600" {
		t.Errorf("command drift: %+v", r)
	}
	if e.Status.Drift.Remediations != 0 {
		t.Errorf("detect remediated: %+v", e.Status.Drift)
	}

	// Remediate: both services start again from the plan.
	if err := os.Remove(trigger); err != nil {
		t.Fatal(err)
	}
	setPolicy(`{"spec":{"driftPolicy":{"mode":"remediate","gracePeriod":"1s"}}}`)
	e = waitFor(t, s, "shop", "remediated and in sync", func(e *staxv1.Environment) bool {
		c := driftedCondition(e)
		return e.Status.Drift != nil && e.Status.Drift.Remediations >= 1 && c != nil && c.Status == metav1.ConditionFalse
	})
	if c := driftedCondition(e); c.Reason != "Remediated" {
		t.Errorf("Drifted condition after remediation: %+v", c)
	}
	for _, r := range e.Status.Drift.History {
		if r.ResolvedAt == nil || !r.Remediated {
			t.Errorf("record not resolved by the remediation: %+v", r)
		}
	}
	waitFor(t, s, "shop", "Ready again", phaseIs(staxv1.EnvironmentReady))
}
