package local

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/microstax/stax/pkg/runtime"
)

var _ runtime.DriftDetector = (*Runtime)(nil)

// Drift compares every running replica of plan's services with what the
// runtime started: its command line and environment (/proc/<pid>/cmdline
// and environ: a process replaced in place by exec differs), and who
// answers its TCP ports (a listener outside the replica's process group is
// a process the runtime did not start). A replica between a crash and its
// restart, and a service whose plan the runtime has not applied yet, are
// not compared.
func (r *Runtime) Drift(ctx context.Context, plan runtime.Plan) ([]runtime.Drift, error) {
	e, err := r.lookup(plan.Organization, plan.Environment, false)
	if err != nil {
		return nil, err
	}
	var owners socketOwners
	var out []runtime.Drift
	for _, sp := range plan.Services {
		e.mu.Lock()
		s := e.services[sp.Name]
		stopped := e.stopped
		e.mu.Unlock()
		if stopped || s == nil || s.hash != planHash(sp) || s.ended() {
			continue
		}
		s.mu.Lock()
		replicas := s.replicas
		s.mu.Unlock()
		for _, rep := range replicas {
			out = append(out, rep.drift(&owners)...)
		}
	}
	return out, nil
}

// Remediate starts a new generation of each drifted service: its replicas
// end and start again from the plan, on fresh ports, behind the same front.
func (r *Runtime) Remediate(ctx context.Context, plan runtime.Plan, drift []runtime.Drift) error {
	drifted := map[string]bool{}
	for _, d := range drift {
		drifted[d.Service] = true
	}
	return r.locked(plan.Organization, plan.Environment, false, func(e *environment) error {
		e.mu.Lock()
		var start []*service
		for name := range drifted {
			cur := e.services[name]
			if e.stopped || cur == nil || cur.ended() {
				continue
			}
			e.retireLocked(cur)
			s := newService(e, cur.plan, cur.probePort)
			e.services[name] = s
			start = append(start, s)
		}
		e.mu.Unlock()
		for _, s := range start {
			go s.run()
		}
		e.notify()
		return nil
	})
}

// drift compares the replica's running process with what it started.
func (rep *replica) drift(owners *socketOwners) []runtime.Drift {
	rep.mu.Lock()
	pid, running, ports := rep.pid, rep.running, append([]int(nil), rep.ports...)
	rep.mu.Unlock()
	if !running || pid == 0 {
		return nil
	}
	s := rep.svc
	name := fmt.Sprintf("%s-%d", s.plan.Name, rep.index)
	var out []runtime.Drift
	add := func(field, expected, actual string) {
		out = append(out, runtime.Drift{Service: s.plan.Name, Field: field, Expected: expected, Actual: name + ": " + actual})
	}
	cmdline, err := readNulList(pid, "cmdline")
	if err != nil {
		return nil // the process just ended: the supervisor's business
	}
	want := s.argv()
	if strings.Join(cmdline, "\x00") != strings.Join(want, "\x00") {
		add(runtime.DriftCommand, strings.Join(want, " "), strings.Join(cmdline, " "))
	}
	if environ, err := readNulList(pid, "environ"); err == nil {
		if expected, actual := environDiff(rep.environ(ports), environ, secretNames(s.plan)); expected != "" || actual != "" {
			add(runtime.DriftEnv, expected, actual)
		}
	}
	for i, p := range ports {
		if i < len(s.plan.Ports) && strings.EqualFold(s.plan.Ports[i].Protocol, "UDP") {
			continue // only TCP listeners are looked up
		}
		owner, ok := owners.listener(p)
		if !ok {
			continue // nobody listens (yet): not drift
		}
		if pgid, err := syscall.Getpgid(owner); err == nil && pgid == pid {
			continue
		}
		add(runtime.DriftPorts, fmt.Sprintf("%s answered by the replica's process group %d", loopback(p), pid),
			fmt.Sprintf("%s answered by pid %d (%s), which the runtime did not start", loopback(p), owner, commandName(owner)))
	}
	return out
}

// environDiff names the variables that differ, last one of a name
// winning as in exec; secret variables by name only.
func environDiff(want, live []string, secret map[string]bool) (expected, actual string) {
	toMap := func(l []string) (map[string]string, []string) {
		m, order := map[string]string{}, []string(nil)
		for _, kv := range l {
			k, v, _ := strings.Cut(kv, "=")
			if _, ok := m[k]; !ok {
				order = append(order, k)
			}
			m[k] = v
		}
		return m, order
	}
	show := func(k, v string) string {
		if secret[k] {
			return k + " (secret)"
		}
		return k + "=" + v
	}
	w, worder := toMap(want)
	l, lorder := toMap(live)
	var exp, act []string
	for _, k := range worder {
		lv, ok := l[k]
		if ok && lv == w[k] {
			continue
		}
		exp = append(exp, show(k, w[k]))
		if ok {
			act = append(act, show(k, lv))
		} else {
			act = append(act, k+" unset")
		}
	}
	for _, k := range lorder {
		if _, ok := w[k]; !ok {
			act = append(act, show(k, l[k]))
		}
	}
	return strings.Join(exp, " "), strings.Join(act, " ")
}

func secretNames(sp runtime.ServicePlan) map[string]bool {
	out := map[string]bool{}
	for _, e := range sp.Env {
		if e.Secret {
			out[e.Name] = true
		}
	}
	return out
}

func readNulList(pid int, file string) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New("empty") // a zombie
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00"), nil
}

func commandName(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// socketOwners finds which process listens on a loopback TCP port, from
// /proc/net/tcp{,6} and the socket links under /proc/<pid>/fd; the fd scan
// is done once per Drift call, and only when some port has a listener.
type socketOwners struct {
	scanned bool
	byInode map[string]int
}

func (o *socketOwners) listener(port int) (int, bool) {
	inode := listeningInode(port)
	if inode == "" {
		return 0, false
	}
	if !o.scanned {
		o.scanned, o.byInode = true, scanSocketInodes()
	}
	pid, ok := o.byInode[inode]
	return pid, ok
}

// listeningInode is the inode of the TCP socket listening on port of
// 127.0.0.1, 0.0.0.0 or ::, empty if none.
func listeningInode(port int) string {
	hexPort := fmt.Sprintf(":%04X", port)
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			addr, found := strings.CutSuffix(fields[1], hexPort)
			if len(fields) < 10 || fields[3] != "0A" || !found || !answersLoopback[addr] {
				continue
			}
			f.Close()
			return fields[9]
		}
		f.Close()
	}
	return ""
}

// answersLoopback are the listening addresses a connection to 127.0.0.1
// reaches, as /proc/net/tcp{,6} write them: 127.0.0.1, 0.0.0.0, :: and
// ::ffff:127.0.0.1.
var answersLoopback = map[string]bool{
	"0100007F": true, "00000000": true,
	"00000000000000000000000000000000": true, "0000000000000000FFFF00000100007F": true,
}

func scanSocketInodes() map[string]int {
	out := map[string]int{}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fds, _ := os.ReadDir(filepath.Join("/proc", p.Name(), "fd"))
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join("/proc", p.Name(), "fd", fd.Name()))
			if err == nil && strings.HasPrefix(link, "socket:[") {
				out[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = pid
			}
		}
	}
	return out
}
