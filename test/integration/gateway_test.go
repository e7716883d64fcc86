package integration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// progressMessage is one message of the progress WebSocket.
type progressMessage struct {
	Type               string                  `json:"type"`
	Phase              staxv1.EnvironmentPhase `json:"phase"`
	Generation         int64                   `json:"generation"`
	ObservedGeneration int64                   `json:"observedGeneration"`
}

// followProgress reads the progress stream until want, and fails on
// anything the stream should not do.
func followProgress(t *testing.T, conn *websocket.Conn, want staxv1.EnvironmentPhase) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(90 * time.Second))
	var seen []string
	for {
		var m progressMessage
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("progress ended before %s (seen %v): %v", want, seen, err)
		}
		seen = append(seen, string(m.Phase))
		if m.Phase == want && m.ObservedGeneration == m.Generation {
			return
		}
	}
}

// expectClosed reads until the server's close frame and checks its reason.
func expectClosed(t *testing.T, conn *websocket.Conn, reason string) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	for {
		_, _, err := conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure || ce.Text != reason {
			t.Fatalf("stream ended with %v, want a normal close %q", err, reason)
		}
		return
	}
}

// TestGatewayREST drives every row of the /v1 API with a client that knows
// only the REST API: create, follow progress to Ready over a WebSocket,
// read logs, stop, resume, delete; and the refusals of each row. Each row
// is a subtest; those of the lifecycle run on one environment, in order,
// and stop at the first that cannot go on.
func TestGatewayREST(t *testing.T) {
	s := startInProcess(t)
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: ns}, Spec: staxv1.OrganizationSpec{DisplayName: "Acme"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	base := startGateway(t, s)
	client := &restClient{t: t, base: base, token: mintWithCLI(t, s, ns, "alice"), org: ns, http: &http.Client{Timeout: time.Minute}}

	t.Run("credentials are refused before anything is called", func(t *testing.T) {
		c := client.in(t)
		for _, tc := range []struct {
			name       string
			token, org string
			status     int
			reason     metav1.StatusReason
		}{
			{"no token", "", ns, 401, metav1.StatusReasonUnauthorized},
			{"no organization", c.token, "", 400, metav1.StatusReasonBadRequest},
			{"another organization", c.token, "globex", 403, metav1.StatusReasonForbidden},
			{"not a token", "x.y.z", ns, 401, metav1.StatusReasonUnauthorized},
		} {
			other := *c
			other.token, other.org = tc.token, tc.org
			a := other.do("GET", "/v1/organization", "", "").expect(t, tc.name, tc.status, nil)
			if a.Error.Reason != tc.reason || a.Meta.SignatureVerified {
				t.Errorf("%s: %+v %+v", tc.name, a.Error, a.Meta)
			}
		}
		// A token signed by other keys (another server's) is refused by the apiserver, not the gateway.
		forged := startInProcess(t, storeOnly)
		other := *c
		other.token = mintWithCLI(t, forged, ns, "mallory")
		if a := other.do("GET", "/v1/organization", "", "").expect(t, "foreign token", 401, nil); a.Meta.SignatureVerified {
			t.Error("a foreign token counted as verified")
		}
	})

	t.Run("GET /v1/organization", func(t *testing.T) {
		c := client.in(t)
		var org staxv1.Organization
		a := c.do("GET", "/v1/organization", "", "").expect(t, "organization", 200, &org)
		if org.Name != ns || org.Spec.DisplayName != "Acme" || !a.Meta.SignatureVerified {
			t.Errorf("organization %+v, meta %+v", org, a.Meta)
		}
		if a.Header.Get("RateLimit-Limit") != "100" || a.Header.Get("RateLimit-Remaining") == "" || a.Header.Get("RateLimit-Reset") == "" {
			t.Errorf("rate limit headers: %v", a.Header)
		}
		// The request id is the apiserver's audit ID.
		auditLog, err := os.ReadFile(s.DataDir + "/audit.log")
		if err != nil || !strings.Contains(string(auditLog), `"auditID":"`+a.Meta.RequestID+`"`) {
			t.Errorf("request id %s not in the audit log (%v)", a.Meta.RequestID, err)
		}
	})

	t.Run("GET /v1/identity/verify", func(t *testing.T) {
		var review staxv1.IdentityReviewStatus
		client.in(t).do("GET", "/v1/identity/verify", "", "").expect(t, "verify", 200, &review)
		if !review.Authenticated || review.Organization != ns || review.User.Username != "alice" || !review.Signatures.PostQuantum || !review.Signatures.Classical {
			t.Errorf("verify: %+v", review)
		}
	})

	t.Run("POST /v1/auth/federation/token", func(t *testing.T) {
		c := client.in(t)
		var fed staxv1.FederatedTokenRequestStatus
		c.do("POST", "/v1/auth/federation/token", "", `{"audience":"https://other.example","expirationSeconds":120}`).expect(t, "federation", 201, &fed)
		if strings.Count(fed.Token, ".") != 2 || time.Until(fed.ExpirationTimestamp.Time) > 121*time.Second {
			t.Errorf("federated token %+v", fed)
		}
		a := c.do("POST", "/v1/auth/federation/token", "", `{"audience":"https://other.example","expirationSeconds":3600}`).expect(t, "federation too long", 422, nil)
		if a.Error.Reason != metav1.StatusReasonInvalid || a.Error.Details == nil || len(a.Error.Details.Causes) == 0 {
			t.Errorf("federation too long: %+v", a.Error)
		}
	})

	d := demoService(t)
	blueprintYAML := fmt.Sprintf(`name: shop
displayName: Shop
blueprint:
  services:
    - name: db
      command: [%[1]s]
      args: [-name, db]
      ports: [{name: http, port: 8080}]
      health: {http: {path: /healthz, port: http}, periodSeconds: 1}
    - name: api
      command: [%[1]s]
      args: [-name, api, -tick, 100ms]
      ports: [{name: http, port: 8080}]
      health: {http: {path: /healthz, port: http}, periodSeconds: 1}
      dependsOn: [db]
`, d)

	t.Run("POST /v1/environments/validate", func(t *testing.T) {
		// The apiserver's checks, nothing stored.
		c := client.in(t)
		var validation struct {
			Valid       bool               `json:"valid"`
			Environment staxv1.Environment `json:"environment"`
		}
		c.do("POST", "/v1/environments/validate", "application/yaml", blueprintYAML).expect(t, "validate", 200, &validation)
		if !validation.Valid || len(validation.Environment.Spec.Blueprint.Services) != 2 {
			t.Errorf("validate: %+v", validation)
		}
		a := c.do("POST", "/v1/environments/validate", "application/json",
			`{"blueprint":{"services":[{"name":"web","command":["x"],"ports":[{"name":"http","port":0}],"dependsOn":["cache"]}]}}`).expect(t, "validate invalid", 422, nil)
		fields := causeFields(a)
		if !strings.Contains(fields, "spec.blueprint.services[0].ports[0].port") || !strings.Contains(fields, "spec.blueprint.services[0].dependsOn[0]") {
			t.Errorf("validate invalid: causes %s", fields)
		}
		a = c.do("POST", "/v1/environments/validate", "application/json", `{"blueprint":{"services":[]},"colour":"red"}`).expect(t, "unknown field", 400, nil)
		if !strings.Contains(a.Error.Message, "colour") {
			t.Errorf("unknown field: %+v", a.Error)
		}
		if list, _ := s.Client.StaxV1alpha1().Environments(ns).List(ctx, metav1.ListOptions{}); len(list.Items) != 0 {
			t.Errorf("validate stored %d environments", len(list.Items))
		}
	})

	// The lifecycle of one environment, row by row.
	idle := openStreams(t, s) // calls on this environment before any stream of the gateway
	var progress, logstream *websocket.Conn
	if !t.Run("POST /v1/environments", func(t *testing.T) {
		// 202 and Location; then follow progress to Ready.
		c := client.in(t)
		var env staxv1.Environment
		a := c.do("POST", "/v1/environments", "application/yaml", blueprintYAML).expect(t, "create", 202, &env)
		if env.Name != "shop" || env.Namespace != ns || a.Header.Get("Location") != "/v1/environments/shop" {
			t.Errorf("create: %s/%s, Location %q", env.Namespace, env.Name, a.Header.Get("Location"))
		}
		a = c.do("POST", "/v1/environments", "application/yaml", blueprintYAML).expect(t, "create again", 409, nil)
		if a.Error.Reason != metav1.StatusReasonAlreadyExists {
			t.Errorf("create again: %+v", a.Error)
		}
	}) || !t.Run("WS /v1/environments/{id}/progress", func(t *testing.T) {
		progress = client.dial("/v1/environments/shop/progress") // lives as long as the whole test
		followProgress(t, progress, staxv1.EnvironmentReady)
	}) {
		return
	}

	t.Run("GET /v1/environments", func(t *testing.T) {
		// Active and historical in one list.
		c := client.in(t)
		var list listAnswer
		c.do("GET", "/v1/environments", "", "").expect(t, "list", 200, &list)
		if len(list.Items) != 1 || list.Items[0].Name != "shop" || list.Items[0].State != "active" || list.Items[0].Phase != "Ready" ||
			list.Items[0].HealthyServices == nil || *list.Items[0].HealthyServices != 2 {
			t.Errorf("list: %+v", list)
		}
		c.do("GET", "/v1/environments?state=everything", "", "").expect(t, "list state", 400, nil)
	})

	t.Run("GET /v1/environments/{id} and /status", func(t *testing.T) {
		c := client.in(t)
		var env staxv1.Environment
		c.do("GET", "/v1/environments/shop", "", "").expect(t, "get", 200, &env)
		if env.Spec.DisplayName != "Shop" || env.Status.Phase != staxv1.EnvironmentReady {
			t.Errorf("get: %q %s", env.Spec.DisplayName, env.Status.Phase)
		}
		if a := c.do("GET", "/v1/environments/nope", "", "").expect(t, "get missing", 404, nil); a.Error.Reason != metav1.StatusReasonNotFound {
			t.Errorf("get missing: %+v", a.Error)
		}
		var status struct {
			Name   string                   `json:"name"`
			Status staxv1.EnvironmentStatus `json:"status"`
		}
		c.do("GET", "/v1/environments/shop/status", "", "").expect(t, "status", 200, &status)
		if status.Name != "shop" || len(status.Status.Services) != 2 || status.Status.Services[0].ReadyReplicas != 1 {
			t.Errorf("status: %+v", status)
		}
	})

	t.Run("PATCH /v1/environments/{id}", func(t *testing.T) {
		// Mutable fields only.
		c := client.in(t)
		var env staxv1.Environment
		c.do("PATCH", "/v1/environments/shop", "", `{"displayName":"Shop v2","autoShutdown":{"idleTimeout":"2h"}}`).expect(t, "patch", 200, &env)
		if env.Spec.DisplayName != "Shop v2" || env.Spec.AutoShutdown == nil || env.Spec.AutoShutdown.IdleTimeout.Duration != 2*time.Hour {
			t.Errorf("patch: %+v", env.Spec)
		}
		a := c.do("PATCH", "/v1/environments/shop", "", `{"displayName":"x","blueprint":{"services":[]}}`).expect(t, "patch immutable", 422, nil)
		if causeFields(a) != "blueprint" {
			t.Errorf("patch immutable: causes %s", causeFields(a))
		}
		// A mutable field with a bad value: the apiserver's refusal, unchanged.
		c.do("PATCH", "/v1/environments/shop", "", `{"autoShutdown":{"idleTimeout":"soon"}}`).expect(t, "patch invalid", 422, nil)
	})

	t.Run("GET /v1/environments/{id}/logs", func(t *testing.T) {
		c := client.in(t)
		time.Sleep(300 * time.Millisecond) // a few ticks
		var logs struct {
			Lines []string `json:"lines"`
		}
		c.do("GET", "/v1/environments/shop/logs?service=api&tail=2", "", "").expect(t, "logs", 200, &logs)
		if len(logs.Lines) != 2 || !strings.Contains(logs.Lines[1], "tick") {
			t.Errorf("logs: %q", logs.Lines)
		}
		c.do("GET", "/v1/environments/shop/logs?service=cache", "", "").expect(t, "logs of no service", 400, nil)
	})

	t.Run("WS /v1/environments/{id}/logstream", func(t *testing.T) {
		// Lines as they are written.
		logstream = client.dial("/v1/environments/shop/logstream")
		_ = logstream.SetReadDeadline(time.Now().Add(30 * time.Second))
		ticks := 0
		for ticks < 3 {
			_, line, err := logstream.ReadMessage()
			if err != nil {
				t.Fatalf("logstream: %v", err)
			}
			if strings.Contains(string(line), "tick") {
				ticks++
			}
		}
		// A client that leaves ends the apiserver calls behind its stream
		// (a watch for deletion and the followed logs). The streams open so
		// far hold three: progress a watch, the first logstream a watch and
		// its logs. Each stream starts its watch after the upgrade, so wait
		// for all three rather than take whatever is open at this instant.
		before := idle + 3
		waitStreams(t, s, before)
		early := client.in(t).dial("/v1/environments/shop/logstream")
		if _, _, err := early.ReadMessage(); err != nil {
			t.Fatal(err)
		}
		waitStreams(t, s, before+2)
		_ = early.Close()
		waitStreams(t, s, before)
	})

	t.Run("POST /v1/environments/{id}/stop and /resume", func(t *testing.T) {
		c := client.in(t)
		if a := c.do("POST", "/v1/environments/shop/resume", "", "").expect(t, "resume ready", 409, nil); a.Error.Reason != metav1.StatusReasonConflict {
			t.Errorf("resume ready: %+v", a.Error)
		}
		c.do("POST", "/v1/environments/shop/stop", "", "").expect(t, "stop", 202, nil)
		followProgress(t, progress, staxv1.EnvironmentStopped)
		c.do("POST", "/v1/environments/shop/resume", "", "").expect(t, "resume", 202, nil)
		followProgress(t, progress, staxv1.EnvironmentReady)
	})

	t.Run("DELETE /v1/environments/{id}", func(t *testing.T) {
		// 202; both streams close, saying why.
		c := client.in(t)
		logstream2 := c.dial("/v1/environments/shop/logstream")
		var env staxv1.Environment
		c.do("DELETE", "/v1/environments/shop", "", "").expect(t, "delete", 202, &env)
		if env.DeletionTimestamp == nil {
			t.Errorf("delete: no deletionTimestamp")
		}
		expectClosed(t, progress, "environment deleted")
		expectClosed(t, logstream2, "environment deleted")
		if logstream != nil {
			_ = logstream.Close()
		}
		c.do("GET", "/v1/environments/shop", "", "").expect(t, "get deleted", 404, nil)
		var list listAnswer
		c.do("GET", "/v1/environments", "", "").expect(t, "list after delete", 200, &list)
		if len(list.Items) != 1 || list.Items[0].Name != "shop" || list.Items[0].State != "historical" || list.Items[0].Record == "" ||
			list.Items[0].DeletedAt == nil || list.Items[0].HealthyServices != nil {
			t.Errorf("historical: %+v", list)
		}
		c.do("DELETE", "/v1/environments/shop", "", "").expect(t, "delete again", 404, nil)
		waitStreams(t, s, idle)
	})

	t.Run("refusals of unknown routes and missing streams", func(t *testing.T) {
		// Unknown routes answer in the envelope too.
		client.in(t).do("GET", "/v1/nothing", "", "").expect(t, "unknown route", 404, nil)
		// WebSockets refuse before upgrading: missing environment.
		d2 := websocket.Dialer{}
		_, resp, err := d2.Dial("ws"+strings.TrimPrefix(base, "http")+"/v1/environments/nope/progress?organization="+ns,
			http.Header{"Authorization": {"Bearer " + client.token}})
		if err == nil || resp == nil || resp.StatusCode != 404 {
			t.Errorf("progress of a missing environment: %v %v", err, resp)
		}
	})
}

// openStreams is the number of long-running requests (watches, followed
// logs) on environments the apiserver is serving, from its own metrics.
func openStreams(t *testing.T, s *testServer) int {
	t.Helper()
	body, err := s.Client.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(body), "\n") {
		// Only calls on one environment count: the controller's informer
		// watches all of them (scope="cluster") and re-dials at will.
		if strings.HasPrefix(line, "apiserver_longrunning_requests{") && strings.Contains(line, `resource="environments"`) &&
			strings.Contains(line, `scope="resource"`) {
			var v float64
			if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
				n += int(v)
			}
		}
	}
	return n
}

func waitStreams(t *testing.T, s *testServer, want int) {
	t.Helper()
	// Under load, streams have been seen to take tens of seconds to start
	// or end behind the gateway (see waitStreams' callers); the wait is
	// generous and its length logged, so a slow release shows.
	start := time.Now()
	defer func() {
		if d := time.Since(start); d > 2*time.Second {
			t.Logf("the apiserver took %s to serve %d streams", d.Round(time.Millisecond), want)
		}
	}()
	deadline := time.Now().Add(90 * time.Second)
	for got := openStreams(t, s); got != want; got = openStreams(t, s) {
		if time.Now().After(deadline) {
			t.Fatalf("the apiserver serves %d streams, want %d:\n%s", got, want, streamMetrics(t, s))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// streamMetrics are the apiserver's long-running request gauges of
// environments, to show which stream is missing when a count is off.
func streamMetrics(t *testing.T, s *testServer) string {
	body, err := s.Client.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "apiserver_longrunning_requests{") && strings.Contains(line, `resource="environments"`) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func causeFields(a *answer) string {
	if a.Error == nil || a.Error.Details == nil {
		return ""
	}
	var f []string
	for _, c := range a.Error.Details.Causes {
		f = append(f, c.Field)
	}
	return strings.Join(f, ",")
}
