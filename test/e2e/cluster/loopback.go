package cluster

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The control plane talks only over loopback: no test, benchmark or local
// control plane of this repository sends a packet to this machine's own
// network address or any other. These checks hold the harness to it.

// checkLoopbackURL refuses a URL whose host is not a loopback address; the
// harness calls it on every address it writes into a kubeconfig, Service or
// APIService.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	return checkLoopbackHost(u.Hostname())
}

func checkLoopbackHost(host string) error {
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address: the control plane stays on 127.0.0.0/8 and ::1", host)
	}
	return nil
}

// NonLoopbackSockets lists every TCP socket of the cluster's processes (and
// their children) with an end that is not loopback: a listener on a
// wildcard or host address, or a connection to one. Call it before Stop,
// while the processes still hold their sockets.
func (c *Cluster) NonLoopbackSockets() ([]string, error) {
	var roots []int
	for _, p := range c.Processes {
		if p.Cmd != nil && p.Cmd.Process != nil && !p.Exited() {
			roots = append(roots, p.Cmd.Process.Pid)
		}
	}
	return nonLoopbackSockets("/proc", roots)
}

// StopChecked looks for non-loopback sockets, then stops every component;
// its error lists what it found.
func (c *Cluster) StopChecked() error {
	bad, err := c.NonLoopbackSockets()
	c.Stop()
	if err != nil {
		return fmt.Errorf("checking sockets: %w", err)
	}
	if len(bad) > 0 {
		return fmt.Errorf("sockets with a non-loopback end:\n  %s", strings.Join(bad, "\n  "))
	}
	return nil
}

// nonLoopbackSockets does the work of NonLoopbackSockets on a proc tree,
// so that a test can feed it one it made.
func nonLoopbackSockets(proc string, roots []int) ([]string, error) {
	owner := map[string]int{} // socket inode -> pid
	for _, pid := range withDescendants(proc, roots) {
		fds, err := os.ReadDir(filepath.Join(proc, strconv.Itoa(pid), "fd"))
		if err != nil {
			continue // ended meanwhile
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(proc, strconv.Itoa(pid), "fd", fd.Name()))
			if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
				owner[strings.TrimSuffix(inode, "]")] = pid
			}
		}
	}
	var bad []string
	for _, table := range []string{"tcp", "tcp6"} {
		rows, err := readSocketTable(filepath.Join(proc, "net", table))
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			pid, ours := owner[r.inode]
			if !ours {
				continue
			}
			if !r.local.IsLoopback() || !(r.remote.IsLoopback() || (r.listening && r.remote.IsUnspecified())) {
				bad = append(bad, fmt.Sprintf("pid %d (%s): %s %s -> %s", pid, command(proc, pid), table, r.localAddr, r.remoteAddr))
			}
		}
	}
	return bad, nil
}

type socketRow struct {
	inode                 string
	local, remote         net.IP
	localAddr, remoteAddr string
	listening             bool
}

// readSocketTable parses /proc/net/tcp or tcp6: addresses are hex, each
// 32-bit word in host (little-endian) order.
func readSocketTable(path string) ([]socketRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []socketRow
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		local, lport, err1 := parseProcAddr(fields[1])
		remote, rport, err2 := parseProcAddr(fields[2])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s: bad row %q", path, sc.Text())
		}
		rows = append(rows, socketRow{
			inode: fields[9], local: local, remote: remote,
			localAddr: net.JoinHostPort(local.String(), strconv.Itoa(lport)), remoteAddr: net.JoinHostPort(remote.String(), strconv.Itoa(rport)),
			listening: fields[3] == "0A",
		})
	}
	return rows, sc.Err()
}

func parseProcAddr(s string) (net.IP, int, error) {
	host, port, ok := strings.Cut(s, ":")
	if !ok {
		return nil, 0, fmt.Errorf("no port in %q", s)
	}
	raw, err := hex.DecodeString(host)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return nil, 0, fmt.Errorf("bad address %q", s)
	}
	for i := 0; i < len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	p, err := strconv.ParseUint(port, 16, 16)
	return net.IP(raw), int(p), err
}

// withDescendants is roots and every process whose parent chain leads to
// one of them (the local runtime's replicas, say).
func withDescendants(proc string, roots []int) []int {
	parent := map[int]int{}
	entries, _ := os.ReadDir(proc)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(proc, e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 {
			if f := strings.Fields(string(stat[i+1:])); len(f) > 1 {
				parent[pid], _ = strconv.Atoi(f[1])
			}
		}
	}
	in := map[int]bool{}
	for _, r := range roots {
		in[r] = true
	}
	for changed := true; changed; {
		changed = false
		for pid, pp := range parent {
			if !in[pid] && in[pp] {
				in[pid], changed = true, true
			}
		}
	}
	out := make([]int, 0, len(in))
	for pid := range in {
		out = append(out, pid)
	}
	return out
}

func command(proc string, pid int) string {
	b, _ := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "comm"))
	return strings.TrimSpace(string(b))
}
