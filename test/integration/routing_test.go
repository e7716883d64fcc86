package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/controller/environment"
)

// httpDemo is demo with an HTTP-aware front and a version in its answer.
func httpDemo(t *testing.T, name, version string, deps ...string) staxv1.ServiceSpec {
	s := demo(t, name, 1, deps, "-version", version)
	s.Ports[0].AppProtocol = staxv1.AppProtocolHTTP
	return s
}

// processesOf maps the pids of the live processes the runtime started for
// an environment (as their STAX_* variables say) to their service.
func processesOf(t *testing.T, s *testServer, env string) map[int]string {
	t.Helper()
	out := map[int]string{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		// Only this server's: processes of an earlier test's environment
		// of the same name may still be ending (the local runtime leaves
		// them to outlive a restart), in their own data directory.
		if cwd, err := os.Readlink(filepath.Join(d, "cwd")); err != nil || !strings.HasPrefix(cwd, s.DataDir+string(filepath.Separator)) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil {
			continue
		}
		vars := map[string]string{}
		for _, kv := range strings.Split(string(b), "\x00") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				vars[k] = v
			}
		}
		if vars["STAX_ORGANIZATION"] == ns && vars["STAX_ENVIRONMENT"] == env {
			pid, _ := strconv.Atoi(filepath.Base(d))
			out[pid] = vars["STAX_SERVICE"]
		}
	}
	return out
}

type hop struct{ Service, Version string }

// chainOf asks a front and returns who served each hop, per the answer.
func chainOf(t *testing.T, endpoint string, header ...string) (int, []hop, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+endpoint+"/", nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var a struct {
		Chain []hop `json:"chain"`
	}
	_ = json.Unmarshal(body, &a)
	return resp.StatusCode, a.Chain, string(body)
}

// TestOverlayRouting runs a baseline web -> api -> db on the local runtime
// and an overlay that changes only api: the overlay runs one process, its
// api reaches the baseline's db, requests with the routing key go through
// the overlay's api at the baseline's web, and deleting the overlay leaves
// the baseline's processes alone.
func TestOverlayRouting(t *testing.T) {
	s := startInProcess(t)
	ctx := context.Background()
	envs := s.Client.StaxV1alpha1().Environments(ns)

	shop := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: ns},
		Spec: staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{
			httpDemo(t, "db", "v1"), httpDemo(t, "api", "v1", "db"), httpDemo(t, "web", "v1", "api"),
		}}}}
	if _, err := envs.Create(ctx, shop, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	shop = waitFor(t, s, "shop", "Ready", phaseIs(staxv1.EnvironmentReady))
	if _, err := s.Client.StaxV1alpha1().Baselines(ns).Create(ctx, newBaseline("main", "shop"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitBaseline(t, s, "main", "Ready", func(b *staxv1.Baseline) bool { return b != nil && b.Status.Phase == staxv1.EnvironmentReady })
	baseline := processesOf(t, s, "shop")
	if len(baseline) != 3 {
		t.Fatalf("the baseline runs %v, want db, api and web", baseline)
	}
	web, db := endpointOf(t, shop, "web"), endpointOf(t, shop, "db")

	overlay := &staxv1.Environment{ObjectMeta: metav1.ObjectMeta{Name: "feature", Namespace: ns},
		Spec: staxv1.EnvironmentSpec{BaselineRef: &staxv1.BaselineReference{Name: "main"},
			Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{httpDemo(t, "api", "v2", "db")}}}}
	if _, err := envs.Create(ctx, overlay, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	overlay = waitFor(t, s, "feature", "Ready", phaseIs(staxv1.EnvironmentReady))

	t.Run("the overlay runs only what it changes", func(t *testing.T) {
		if procs := processesOf(t, s, "feature"); len(procs) != 1 {
			t.Fatalf("the overlay runs %v, want exactly one api", procs)
		}
		var got []string
		for _, st := range overlay.Status.Services {
			got = append(got, st.Name+" "+st.Source)
		}
		if !reflect.DeepEqual(got, []string{"api own", "db shared", "web shared"}) {
			t.Errorf("status.services: %q", got)
		}
		if endpointOf(t, overlay, "db") != db {
			t.Errorf("shared db at %q, want the baseline's %q", endpointOf(t, overlay, "db"), db)
		}
	})

	t.Run("its api reaches the baseline's db", func(t *testing.T) {
		code, chain, body := chainOf(t, endpointOf(t, overlay, "api"))
		if code != 200 || !reflect.DeepEqual(chain, []hop{{"api", "v2"}, {"db", "v1"}}) || !strings.Contains(body, `"url":"http://`+db+`"`) {
			t.Fatalf("%d %s", code, body)
		}
	})

	t.Run("the routing key picks the overlay's api at every hop", func(t *testing.T) {
		viaOverlay := []hop{{"web", "v1"}, {"api", "v2"}, {"db", "v1"}}
		viaBaseline := []hop{{"web", "v1"}, {"api", "v1"}, {"db", "v1"}}
		for _, tc := range []struct {
			name   string
			header []string
			want   []hop
		}{
			{"baggage", []string{"Baggage", "user=alice;p=1, stax-overlay=feature"}, viaOverlay},
			{"X-Stax-Overlay", []string{"X-Stax-Overlay", "feature"}, viaOverlay},
			{"no key", nil, viaBaseline},
			{"an overlay's key that does not exist", []string{"X-Stax-Overlay", "nope"}, viaBaseline},
		} {
			if code, chain, body := chainOf(t, web, tc.header...); code != 200 || !reflect.DeepEqual(chain, tc.want) {
				t.Errorf("%s: %d %s", tc.name, code, body)
			}
		}
		code, _, body := chainOf(t, web, "Baggage", "stax-overlay")
		if code != http.StatusBadRequest || !strings.Contains(body, `stax front web: baggage member 1: "stax-overlay" has no '='`) {
			t.Errorf("bad baggage: %d %s", code, body)
		}
	})

	t.Run("a stopped overlay's key is answered 502, not by the baseline", func(t *testing.T) {
		pause := func(paused bool) {
			patch := []byte(`{"spec":{"paused":` + strconv.FormatBool(paused) + `}}`)
			if _, err := envs.Patch(ctx, "feature", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		pause(true)
		waitFor(t, s, "feature", "Stopped", phaseIs(staxv1.EnvironmentStopped))
		code, _, body := chainOf(t, web, "X-Stax-Overlay", "feature")
		if code != http.StatusOK || !strings.Contains(body, `"status":502`) || !strings.Contains(body, "stax front api: no ready replica for overlay=feature") {
			t.Errorf("web's answer: want its api hop answered 502 naming the overlay, got %d %s", code, body)
		}
		pause(false)
		waitFor(t, s, "feature", "Ready again", phaseIs(staxv1.EnvironmentReady))
		if _, chain, body := chainOf(t, web, "X-Stax-Overlay", "feature"); len(chain) != 3 || chain[1] != (hop{"api", "v2"}) {
			t.Errorf("after the resume: %s", body)
		}
	})

	t.Run("deleting the overlay leaves the baseline alone", func(t *testing.T) {
		if procs := processesOf(t, s, "feature"); len(procs) != 1 {
			t.Fatalf("the overlay runs %v before the delete", procs)
		}
		if err := envs.Delete(ctx, "feature", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
			_, err := envs.Get(ctx, "feature", metav1.GetOptions{})
			return err != nil, nil
		})
		if err != nil {
			t.Fatal("the overlay was never deleted")
		}
		if procs := processesOf(t, s, "feature"); len(procs) != 0 {
			t.Errorf("the overlay left %v", procs)
		}
		if after := processesOf(t, s, "shop"); !reflect.DeepEqual(after, baseline) {
			t.Errorf("the baseline's processes were %v, now %v", baseline, after)
		}
		// The route went with the overlay: its key reaches the baseline's api.
		if code, chain, body := chainOf(t, web, "X-Stax-Overlay", "feature"); code != 200 || chain[1] != (hop{"api", "v1"}) {
			t.Errorf("after the delete: %d %s", code, body)
		}
	})

	t.Run("an overlay of a stopped baseline is Degraded", func(t *testing.T) {
		if _, err := envs.Patch(ctx, "shop", types.MergePatchType, []byte(`{"spec":{"paused":true}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		waitBaseline(t, s, "main", "Stopped", func(b *staxv1.Baseline) bool { return b != nil && b.Status.Phase == staxv1.EnvironmentStopped })
		late := overlay.DeepCopy()
		late.ObjectMeta = metav1.ObjectMeta{Name: "late", Namespace: ns}
		late.Status = staxv1.EnvironmentStatus{}
		if _, err := envs.Create(ctx, late, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		e := waitFor(t, s, "late", "Degraded", phaseIs(staxv1.EnvironmentDegraded))
		c := meta.FindStatusCondition(e.Status.Conditions, staxv1.ConditionReady)
		if c == nil || c.Reason != environment.ReasonBaselineUnavailable || c.Message != "baseline main: environment shop is Stopped" {
			t.Errorf("Ready condition %+v", c)
		}
		if err := envs.Delete(ctx, "late", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}
