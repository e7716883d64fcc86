package server

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/microstax/stax/pkg/etcd"
	"github.com/microstax/stax/pkg/identity"
)

// completedOptions are the options of a standalone server on a fresh data
// directory and a port of its own, completed and validated as RunE does.
func completedOptions(t *testing.T, args ...string) *Options {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	o := NewOptions(io.Discard, io.Discard)
	fs := pflag.NewFlagSet("stax-apiserver", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(append([]string{"--data-dir=" + t.TempDir(), "--bind-address=127.0.0.1"}, args...)); err != nil {
		t.Fatal(err)
	}
	o.Recommended.SecureServing.Listener = listener
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	return o
}

// startEtcd runs an embedded member for the test, as Run would.
func startEtcd(t *testing.T) []string {
	t.Helper()
	member, err := etcd.Start(etcd.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(member.Close)
	return []string{member.ClientURL()}
}

// TestConfigLeavesOptionsAlone: building the config twice changes nothing
// in the options, and each config authenticates a hybrid token once, by the
// token authenticator its own Complete put in front.
func TestConfigLeavesOptionsAlone(t *testing.T) {
	o := completedOptions(t, "--controllers=", "--runtime=none")
	servers := startEtcd(t)
	before := snapshot(o)

	var configs []string
	for i := range 2 {
		cfg, err := o.Config(servers)
		if err != nil {
			t.Fatalf("Config #%d: %v", i+1, err)
		}
		if diff := diffLines(before, snapshot(o)); diff != "" {
			t.Fatalf("Config #%d changed the options:\n%s", i+1, diff)
		}
		if got := cfg.GenericConfig.RESTOptionsGetter; got == nil {
			t.Fatalf("Config #%d: no storage", i+1)
		}
		if cfg.ExtraConfig.Identity == nil || cfg.ExtraConfig.Informers == nil || cfg.ExtraConfig.Client == nil {
			t.Fatalf("Config #%d: extra config %+v lacks identity, client or informers", i+1, cfg.ExtraConfig)
		}
		if !cfg.ExtraConfig.OwnsBearerTokens {
			t.Errorf("Config #%d: a standalone server owns bearer tokens", i+1)
		}
		completed, err := cfg.Complete()
		if err != nil {
			t.Fatalf("Complete #%d: %v", i+1, err)
		}
		if completed.Activity == nil {
			t.Errorf("Complete #%d: no activity tracker", i+1)
		}
		if n := len(completed.Authenticators); n != 2 {
			t.Errorf("Complete #%d: %d authenticators in front of the mode's, want 2 (bearer token, websocket)", i+1, n)
		}
		if n := len(completed.Authorizers); n != 1 {
			t.Errorf("Complete #%d: %d authorizers in front of the mode's, want 1 (organization scope)", i+1, n)
		}

		// A hybrid token of the server's keys authenticates through the
		// completed chain; a forged one is refused, standalone, with 401.
		token := mint(t, cfg.ExtraConfig.Identity.Issuer, o.Identity)
		req, _ := http.NewRequest(http.MethodGet, "https://127.0.0.1/apis", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, ok, err := completed.GenericConfig.Authentication.Authenticator.AuthenticateRequest(req)
		if err != nil || !ok || resp.User.GetName() != "alice" {
			t.Fatalf("Complete #%d: token authenticated as %+v, %v, %v; want alice", i+1, resp, ok, err)
		}
		configs = append(configs, resp.User.GetName())
		req.Header.Set("Authorization", "Bearer "+token[:len(token)-4]+"AAAA")
		if _, ok, err := completed.GenericConfig.Authentication.Authenticator.AuthenticateRequest(req); ok || err == nil {
			t.Errorf("Complete #%d: a forged token authenticated (%v) or fell through without error", i+1, ok)
		}

		// The organization scope decides before the mode's authorizer: the
		// token's user may not reach another organization's namespace.
		decision, _, _ := completed.GenericConfig.Authorization.Authorizer.Authorize(req.Context(), authorizer.AttributesRecord{
			User: resp.User, Verb: "list", Namespace: "globex", APIGroup: "stax.microstax.ai",
			Resource: "environments", ResourceRequest: true,
		})
		if decision == authorizer.DecisionAllow {
			t.Errorf("Complete #%d: a token of acme may list environments of globex", i+1)
		}
	}
	if diff := diffLines(before, snapshot(o)); diff != "" {
		t.Fatalf("completing the configs changed the options:\n%s", diff)
	}
	if len(configs) != 2 {
		t.Fatalf("%d configs authenticated", len(configs))
	}
}

func mint(t *testing.T, issuer *identity.Issuer, o *IdentityOptions) string {
	t.Helper()
	now := time.Now()
	token, err := issuer.Issue(identity.Claims{Subject: "alice", Audience: []string{o.Audience}, Org: "acme",
		IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestConfigNeedsEtcdServers(t *testing.T) {
	o := completedOptions(t, "--controllers=", "--runtime=none")
	if _, err := o.Config(nil); err == nil || !strings.Contains(err.Error(), "etcd") {
		t.Errorf("Config without etcd servers: %v, want an error about etcd", err)
	}
}

// TestValidate: the embedded etcd needs no --etcd-servers, and every wrong
// option is reported at once, runtime options included.
func TestValidate(t *testing.T) {
	o := NewOptions(io.Discard, io.Discard)
	o.DataDir = t.TempDir()
	o.Recommended.SecureServing.BindPort = 0
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("defaults on the embedded etcd: %v", err)
	}
	o.Mode = "cluster"
	o.Runtime.Name = "none"
	o.Runtime.Kubeconfig = "/k"
	o.GCPercent = -1
	if err := o.GCHeapHeadroom.Set("-1Mi"); err != nil {
		t.Fatal(err)
	}
	err := o.Validate()
	if err == nil {
		t.Fatal("wrong options validated")
	}
	for _, want := range []string{
		`--mode must be "standalone" or "aggregated", not "cluster"`,
		"--controllers: the environment controller needs a runtime (--runtime=none)",
		"--runtime-kubeconfig is only for --runtime=kubernetes",
		"--gc-percent must be 0 or more",
		"--gc-heap-headroom must be 0 or more, not -1Mi",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "--etcd-servers") {
		t.Errorf("error %q asks for --etcd-servers, which the embedded member replaces", err)
	}
}

// snapshot renders every value reachable from v, one line per leaf, so
// that two snapshots differ exactly where something changed.
func snapshot(v any) []string {
	var lines []string
	seen := map[uintptr]bool{}
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Invalid:
			lines = append(lines, path+" = <invalid>")
		case reflect.Pointer:
			if v.IsNil() {
				lines = append(lines, path+" = nil")
				return
			}
			if seen[v.Pointer()] {
				lines = append(lines, fmt.Sprintf("%s = &%#x", path, v.Pointer()))
				return
			}
			seen[v.Pointer()] = true
			lines = append(lines, fmt.Sprintf("%s = &%#x", path, v.Pointer()))
			walk(path+".*", v.Elem())
		case reflect.Interface:
			if v.IsNil() {
				lines = append(lines, path+" = nil")
				return
			}
			walk(path+".("+v.Elem().Type().String()+")", v.Elem())
		case reflect.Struct:
			for i := range v.NumField() {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			if v.Kind() == reflect.Slice && v.IsNil() {
				lines = append(lines, path+" = nil")
				return
			}
			lines = append(lines, fmt.Sprintf("%s len %d", path, v.Len()))
			for i := range v.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
			}
		case reflect.Map:
			if v.IsNil() {
				lines = append(lines, path+" = nil")
				return
			}
			keys := v.MapKeys()
			sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
			lines = append(lines, fmt.Sprintf("%s len %d", path, v.Len()))
			for _, k := range keys {
				walk(fmt.Sprintf("%s[%v]", path, k), v.MapIndex(k))
			}
		case reflect.Func, reflect.Chan, reflect.UnsafePointer:
			lines = append(lines, fmt.Sprintf("%s = %s %#x", path, v.Kind(), v.Pointer()))
		case reflect.String:
			lines = append(lines, fmt.Sprintf("%s = %q", path, v.String()))
		case reflect.Bool:
			lines = append(lines, fmt.Sprintf("%s = %v", path, v.Bool()))
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			lines = append(lines, fmt.Sprintf("%s = %d", path, v.Int()))
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			lines = append(lines, fmt.Sprintf("%s = %d", path, v.Uint()))
		case reflect.Float32, reflect.Float64:
			lines = append(lines, fmt.Sprintf("%s = %v", path, v.Float()))
		case reflect.Complex64, reflect.Complex128:
			lines = append(lines, fmt.Sprintf("%s = %v", path, v.Complex()))
		}
	}
	walk("o", reflect.ValueOf(v))
	return lines
}

// diffLines lists the lines only a or only b has, at most 20.
func diffLines(a, b []string) string {
	count := map[string]int{}
	for _, l := range a {
		count[l]++
	}
	for _, l := range b {
		count[l]--
	}
	var out []string
	for _, l := range a {
		if count[l] > 0 && len(out) < 20 {
			out = append(out, "- "+l)
		}
	}
	for _, l := range b {
		if count[l] < 0 && len(out) < 20 {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
