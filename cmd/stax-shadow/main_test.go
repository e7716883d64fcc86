package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/diffpublish"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stax-shadow-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "stax-shadow")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building stax-shadow:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func named(t *testing.T, name string) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%s shadow=%s overlay=%s", name, r.Header.Get("X-Stax-Shadow"), r.Header.Get("X-Stax-Overlay"))
	}))
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

func TestParse(t *testing.T) {
	required := []string{"--service=api", "--overlay=feature", "--default=a:1", "--secondary=b:1", "--candidate=c:1", "--exchanges=-"}
	c, err := parse(append(required, "--percent=10", "--methods=GET, PUT", "--allow-unsafe", "--timeout=1s"), io.Discard)
	if err != nil || c.percent != 10 || strings.Join(c.methods, ",") != "GET,PUT" || !c.allowUnsafe || c.limits.Timeout != time.Second {
		t.Fatalf("%+v %v", c, err)
	}
	if c, err := parse(append(required, "--until=2026-05-01T12:00:00Z"), io.Discard); err != nil ||
		!c.until.Equal(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("--until: %v %v", c.until, err)
	}
	if c, _ := parse(required, io.Discard); c.percent != 100 || strings.Join(c.methods, ",") != "GET,HEAD,OPTIONS" || c.listen != ":8080" ||
		c.publishInterval != diffpublish.DefaultInterval || c.kubeconfig != "" || !reflect.DeepEqual(c.compare, diff.Options{}) {
		t.Errorf("defaults: %+v", c)
	}
	// The comparison settings the kubernetes runtime writes (diffflag.Args).
	c, err = parse(append(required[:5:5], "--kubeconfig=/etc/stax-shadow/kubeconfig", "--namespace=acme", "--publish-interval=1s",
		"--ignore-path=body.ts", "--ignore-path=body.items[*].id", "--ignore-header=Date", "--relative=1.2", "--min-excess-rate=0.0003"), io.Discard)
	want := diff.Options{IgnorePaths: []string{"body.ts", "body.items[*].id"}, IgnoreHeaders: []string{"Date"}, Relative: 1.2, MinExcessRate: 0.0003}
	if err != nil || c.kubeconfig != "/etc/stax-shadow/kubeconfig" || c.namespace != "acme" || c.publishInterval != time.Second ||
		c.exchanges != "" || !reflect.DeepEqual(c.compare, want) {
		t.Errorf("comparing: %+v %v", c, err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--service, --overlay, --default, --secondary, --candidate required"},
		{[]string{"--service=api", "--overlay=f", "--default=a:1", "--secondary=b:1"}, "--candidate required"},
		{append(required, "--percent=101"), "--percent 101 is not between 0 and 100"},
		{append(required, "--methods=,"), "--methods lists no method"},
		{append(required, "--percent=x"), `invalid value "x" for flag -percent`},
		{append(required, "--until=tomorrow"), `--until: parsing time "tomorrow"`},
		{append(required, "--until=2026-05-01T12:00:00Z", "--duration=1m"), "--until and --duration are exclusive"},
		{required[:5], "nothing receives the exchanges: give --kubeconfig (compare and publish) or --exchanges"},
		{append(required, "--publish-interval=0s"), "--publish-interval 0s is not positive"},
		{append(required, "--relative=-1"), "are not negative"},
		{append(required, "--min-raw=x"), `invalid value "x" for flag -min-raw`},
	} {
		if _, err := parse(tc.args, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

// stax-shadow as the process the kubernetes runtime would run, on
// loopback: the caller has the primary's answer, the exchange is a JSON
// line on its standard output, its counters on its /metrics; SIGTERM
// ends it cleanly.
func TestShadowProcess(t *testing.T) {
	cmd := exec.Command(bin, "--service=api", "--organization=acme", "--overlay=feature",
		"--listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0", "--exchanges=-",
		"--default="+named(t, "primary"), "--secondary="+named(t, "secondary"), "--candidate="+named(t, "candidate"))
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Its log says where it listens.
	addr := regexp.MustCompile(`(?m)^stax-shadow (\S+) on (127\.0\.0\.1:\d+)`)
	logs := bufio.NewScanner(stderr)
	var front, metrics string
	for (front == "" || metrics == "") && logs.Scan() {
		if m := addr.FindStringSubmatch(logs.Text()); m != nil {
			if m[1] == "metrics" {
				metrics = m[2]
			} else {
				front = m[2]
			}
		}
	}
	if front == "" || metrics == "" {
		t.Fatalf("no addresses in the log (%v)", logs.Err())
	}
	go io.Copy(io.Discard, stderr)

	resp, err := http.Get("http://" + front + "/users/1?x=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "primary shadow= overlay=" {
		t.Fatalf("the caller got %d %q", resp.StatusCode, b)
	}
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	var e diff.Exchange
	if err := json.Unmarshal(line, &e); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	if e.Method != "GET" || e.Path != "/users/1" || e.Query != "x=1" || string(e.Primary.Body) != "primary shadow= overlay=" ||
		string(e.Secondary.Body) != "secondary shadow=feature overlay=" || string(e.Candidate.Body) != "candidate shadow=feature overlay=feature" {
		t.Errorf("exchange %s", line)
	}

	resp, err = http.Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `stax_shadow_mirrored_total{organization="acme",overlay="feature",service="api"} 1`; !strings.Contains(string(b), want) {
		t.Errorf("/metrics lacks %s", want)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v", err)
	}
}
