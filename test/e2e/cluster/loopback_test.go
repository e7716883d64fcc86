package cluster

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func TestCheckLoopbackURL(t *testing.T) {
	for _, ok := range []string{"https://127.0.0.1:6443", "http://127.0.0.2:2379", "https://[::1]:8443/authenticate"} {
		if err := checkLoopbackURL(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"https://10.1.2.3:6443", "https://192.168.0.7", "https://localhost:6443", "https://0.0.0.0:1"} {
		if err := checkLoopbackURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	path := filepath.Join(t.TempDir(), "x.kubeconfig")
	if err := writeKubeconfig(path, "https://10.1.2.3:6443", "ca.crt", &clientcmdapi.AuthInfo{Token: "t"}); err == nil {
		t.Error("a kubeconfig naming a host address was written")
	}
}

// The socket check on this test process's own sockets: a loopback listener
// and a connection to it pass; a wildcard listener (reachable on the host's
// address) is reported. No packet leaves loopback.
func TestNonLoopbackSocketsOnRealSockets(t *testing.T) {
	lo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lo.Close()
	conn, err := net.Dial("tcp", lo.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	me := []int{os.Getpid()}
	if bad, err := nonLoopbackSockets("/proc", me); err != nil || len(bad) != 0 {
		t.Fatalf("loopback only, yet: %v %v", bad, err)
	}
	wild, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer wild.Close()
	bad, err := nonLoopbackSockets("/proc", me)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(wild.Addr().String())
	if len(bad) != 1 || !strings.HasSuffix(strings.Fields(bad[0])[4], ":"+port) {
		t.Fatalf("the wildcard listener on port %s was not reported alone: %v", port, bad)
	}
}

// A proc tree made by hand: a child's connection to a host address and a
// parent's listener on one are reported, loopback ones are not.
func TestNonLoopbackSocketsOnAProcTree(t *testing.T) {
	proc := t.TempDir()
	mk := func(pid, ppid string, inodes ...string) {
		dir := filepath.Join(proc, pid, "fd")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(proc, pid, "stat"), []byte(pid+" (a b) S "+ppid+" 1 1"), 0o644); err != nil {
			t.Fatal(err)
		}
		for i, in := range inodes {
			if err := os.Symlink("socket:["+in+"]", filepath.Join(dir, string(rune('3'+i)))); err != nil {
				t.Fatal(err)
			}
		}
	}
	mk("100", "1", "11", "12")
	mk("200", "100", "21")
	mk("300", "1", "31") // not ours
	if err := os.MkdirAll(filepath.Join(proc, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	row := func(local, remote, state, inode string) string {
		return "0: " + local + " " + remote + " " + state + " 0:0 0:0 0 0 0 " + inode + " 1\n"
	}
	tcp := "sl local rem st tx rx tr tm retr uid timeout inode\n" +
		row("0100007F:1F90", "00000000:0000", "0A", "11") + // 127.0.0.1:8080 listening: fine
		row("00000000:0050", "00000000:0000", "0A", "12") + // 0.0.0.0:80 listening: reported
		row("0100007F:C000", "0500000A:01BB", "01", "21") + // to 10.0.0.5:443: reported
		row("00000000:0051", "00000000:0000", "0A", "31") // someone else's
	tcp6 := "sl local rem st tx rx tr tm retr uid timeout inode\n"
	for name, body := range map[string]string{"tcp": tcp, "tcp6": tcp6} {
		if err := os.WriteFile(filepath.Join(proc, "net", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bad, err := nonLoopbackSockets(proc, []int{100})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(bad, "\n")
	if len(bad) != 2 || !strings.Contains(got, "0.0.0.0:80") || !strings.Contains(got, "pid 200") || !strings.Contains(got, "10.0.0.5:443") {
		t.Fatalf("reported:\n%s", got)
	}
}
