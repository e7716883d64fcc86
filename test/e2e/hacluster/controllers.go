package hacluster

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// ControllerElectionPrefix is where the stax-controller-managers elect
// their leader in the topology's etcd (the manager's default).
const ControllerElectionPrefix = "/stax.microstax.ai/controller-manager/leader"

// ControllerElectionTTL is how long a SIGKILLed leading manager keeps
// leading: short for the test, long enough that an etcd leader election
// on two busy cores (2–5 s) does not end a live leader's session.
const ControllerElectionTTL = 6 * time.Second

// ManagerRestartDelay is how soon the managers' supervisor starts one
// that ended: a manager exits when its etcd session ends (lost
// leadership), as kube-controller-manager does, and relies on being
// started again. A kubelet waits 10 s, doubling, after repeated exits; a
// second here keeps the faults' figures about the election, not the
// backoff.
const ManagerRestartDelay = time.Second

// startControllerManagers runs cfg.ControllerManagers managers, leader
// elected on the topology's etcd, reaching the API through HAProxy with
// the admin's kubeconfig, and waits until one leads.
func (t *Topology) startControllerManagers(ctx context.Context) error {
	if t.cfg.ControllerManagers == 0 {
		return nil
	}
	kubeconfig := filepath.Join(t.cfg.Dir, "admin.kubeconfig")
	if err := t.WriteKubeconfig(kubeconfig); err != nil {
		return err
	}
	for i := range t.cfg.ControllerManagers {
		name := "stax-controller-manager" + strconv.Itoa(i)
		args := append([]string{
			"--kubeconfig=" + kubeconfig,
			"--data-dir=" + filepath.Join(t.cfg.Dir, name),
			"--leader-elect-etcd-servers=" + strings.Join(t.EtcdURLs, ","),
			"--leader-elect-ttl=" + ControllerElectionTTL.String(),
			"--leader-elect-identity=" + name,
			"-v=1",
		}, t.cfg.ExtraControllerManagerArgs...)
		p := NewProcess(name, t.logPath(name), t.cfg.ControllerManagerCommand(args...))
		p.Supervise(ManagerRestartDelay)
		if err := p.Start(); err != nil {
			return err
		}
		t.ControllerManagers = append(t.ControllerManagers, p)
	}
	_, err := t.WaitControllerLeader(ctx)
	return err
}

// ControllerLeader is the index of the manager that leads: the campaign
// key with the lowest create revision under the election prefix holds
// the leader's identity (etcd's concurrency.Election).
func (t *Topology) ControllerLeader(ctx context.Context) (int, error) {
	c, err := clientv3.New(clientv3.Config{Endpoints: t.EtcdURLs, DialTimeout: 5 * time.Second})
	if err != nil {
		return -1, err
	}
	defer c.Close()
	gctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := c.Get(gctx, ControllerElectionPrefix+"/", clientv3.WithFirstCreate()...)
	if err != nil {
		return -1, err
	}
	if len(resp.Kvs) == 0 {
		return -1, errors.New("no stax-controller-manager campaigns")
	}
	identity := string(resp.Kvs[0].Value)
	for i, p := range t.ControllerManagers {
		if p.Name == identity {
			return i, nil
		}
	}
	return -1, fmt.Errorf("the leader %q is none of the topology's managers", identity)
}

// WaitControllerLeader waits until a running manager leads.
func (t *Topology) WaitControllerLeader(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.StartTimeout)
	defer cancel()
	for {
		i, err := t.ControllerLeader(ctx)
		if err == nil && t.ControllerManagers[i].Running() {
			return i, nil
		}
		select {
		case <-ctx.Done():
			return -1, fmt.Errorf("no stax-controller-manager leads: %v (%w)", err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
