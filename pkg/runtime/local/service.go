package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/microstax/stax/pkg/runtime"
)

// service is one generation of a service: the replicas that run one
// ServicePlan. A changed plan retires the generation and starts a new one;
// the front proxy belongs to the environment and survives both.
type service struct {
	env       *environment
	plan      runtime.ServicePlan
	hash      string
	probePort int    // index into plan.Ports
	logStem   string // replica i logs to logStem-i.log
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{} // closed when every process of the generation ended

	mu         sync.Mutex
	replicas   []*replica
	waitingFor []string
	failure    string // why the generation could not start, e.g. "NoCommand"
	failureMsg string
}

func newService(env *environment, sp runtime.ServicePlan, probePort int) *service {
	ctx, cancel := context.WithCancel(context.Background())
	return &service{env: env, plan: sp, hash: planHash(sp), probePort: probePort,
		logStem: filepath.Join(env.logDir(), sp.Name), ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

func planHash(sp runtime.ServicePlan) string {
	b, _ := json.Marshal(sp)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// ended reports whether the generation's processes are gone for good (it
// was stopped, or could not start) so that Apply must start a new one.
func (s *service) ended() bool {
	select {
	case <-s.done:
		return true
	default:
		return s.ctx.Err() != nil
	}
}

func (s *service) run() {
	defer close(s.done)
	if reason, msg := s.cannotStart(); reason != "" {
		s.fail(reason, msg)
		return
	}
	if !s.waitForDependencies() {
		return
	}
	replicas, err := s.newReplicas()
	if err != nil {
		s.fail("StartFailed", err.Error())
		return
	}
	s.mu.Lock()
	s.replicas = replicas
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.run(s.ctx)
		}()
	}
	wg.Wait()
	for _, r := range replicas {
		r.log.Close()
	}
}

func (s *service) fail(reason, msg string) {
	s.mu.Lock()
	s.failure, s.failureMsg = reason, msg
	s.mu.Unlock()
}

// waitForDependencies blocks until every dependency is healthy or the
// generation is cancelled, which it reports as false.
func (s *service) waitForDependencies() bool {
	var own, shared []string
	for _, d := range s.plan.DependsOn {
		if s.env.isShared(d) {
			shared = append(shared, d)
		} else {
			own = append(own, d)
		}
	}
	for {
		changed := s.env.watch()
		missing := s.env.unhealthy(own)
		// An overlay waits for the baseline's services as for its own.
		missingShared, baseChanged := s.env.sharedUnhealthy(shared)
		missing = append(missing, missingShared...)
		s.mu.Lock()
		s.waitingFor = missing
		s.mu.Unlock()
		if len(missing) == 0 {
			return true
		}
		select {
		case <-s.ctx.Done():
			return false
		case <-changed:
		case <-baseChanged:
		}
	}
}

func (s *service) newReplicas() ([]*replica, error) {
	var rs []*replica
	for i := 0; i < int(s.plan.Replicas); i++ {
		r := &replica{svc: s, index: i}
		path := fmt.Sprintf("%s-%d.log", s.logStem, i)
		lf, err := openLogFile(path, s.env.rt.cfg.LogMaxBytes)
		if err != nil {
			for _, r := range rs {
				r.log.Close()
			}
			return nil, err
		}
		r.log = lf
		rs = append(rs, r)
	}
	return rs, nil
}

// inheritedEnv are the only server variables a replica sees, so that the
// server's own settings (a stray DATABASE_URL, say) cannot leak in.
var inheritedEnv = []string{"PATH", "HOME", "USER", "LANG", "TZ", "TMPDIR"}

// environ is inherited variables, then the contract's (runtime.Environ:
// the blueprint's, ports, dependency addresses, identity), later winning.
func (r *replica) environ(ports []int) []string {
	s := r.svc
	var env []string
	for _, k := range inheritedEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	listen := make([]int32, len(ports))
	for i, p := range ports {
		listen[i] = int32(p)
	}
	wiring := runtime.Wiring{Ports: listen, Replica: r.index, DependencyURL: func(dep string) string {
		if ep := s.env.endpoint(dep); ep != "" {
			return "http://" + ep
		}
		return ""
	}}
	for _, e := range runtime.Environ(s.env.org, s.env.name, s.plan, wiring) {
		env = append(env, e.Name+"="+e.Value)
	}
	return env
}

// readyAddrs are the addresses of the first port of the ready replicas.
func (s *service) readyAddrs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.replicas {
		r.mu.Lock()
		if r.ready && len(r.ports) > 0 {
			out = append(out, r.addr())
		}
		r.mu.Unlock()
	}
	return out
}

// state summarises the generation. Endpoint is filled in by the environment.
func (s *service) state() (runtime.ServiceState, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := runtime.ServiceState{Name: s.plan.Name, Desired: s.plan.Replicas}
	switch {
	case s.failure != "":
		st.Health, st.Reason, st.Message = runtime.HealthUnhealthy, s.failure, s.failureMsg
		return st, 0
	case len(s.waitingFor) > 0:
		st.Health, st.Reason = runtime.HealthWaiting, "WaitingForDependencies"
		st.Message = "waiting for " + strings.Join(s.waitingFor, ", ") + " to be healthy"
		return st, 0
	case s.replicas == nil && s.plan.Replicas > 0:
		st.Health, st.Reason = runtime.HealthUnknown, "Starting"
		return st, 0
	}
	var crash, probe string
	var lastProbe int64
	for _, r := range s.replicas {
		r.mu.Lock()
		if r.ready {
			st.Ready++
		}
		st.Restarts += r.restarts
		if r.lastProbe.UnixNano() > lastProbe {
			lastProbe = r.lastProbe.UnixNano()
		}
		who := ""
		if s.plan.Replicas > 1 {
			who = fmt.Sprintf("replica %d ", r.index)
		}
		if t := r.lastTerm; t != nil && (st.LastTermination == nil || t.At.After(st.LastTermination.At)) {
			c := *t
			st.LastTermination = &c
		}
		if crash == "" && r.crashLoopingLocked() {
			crash = fmt.Sprintf("%s%s; restarted %d times", who, r.lastExit, r.restarts)
		}
		if probe == "" && r.unhealthy {
			probe = fmt.Sprintf("%sprobe failed %d times: %s", who, r.failures, r.probeErr)
		}
		r.mu.Unlock()
	}
	switch {
	case crash != "":
		st.Health, st.Reason, st.Message = runtime.HealthUnhealthy, "CrashLoop", crash
	case probe != "":
		st.Health, st.Reason, st.Message = runtime.HealthUnhealthy, "ProbeFailed", probe
	case st.Ready == st.Desired:
		st.Health = runtime.HealthHealthy
	default:
		st.Health, st.Reason = runtime.HealthUnknown, "Starting"
		st.Message = fmt.Sprintf("%d of %d replicas ready", st.Ready, st.Desired)
	}
	return st, lastProbe
}
