package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/gateway"
)

// What a new user hit on the REST API, each against a real apiserver
// (issue 10, item 3).
func TestGatewayPapercuts(t *testing.T) {
	s := startInProcess(t)
	ctx := context.Background()
	if _, err := s.Client.StaxV1alpha1().Organizations().Create(ctx, &staxv1.Organization{
		ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c := &restClient{t: t, base: startGateway(t, s), token: mintWithCLI(t, s, ns, "alice"), org: ns, http: &http.Client{Timeout: time.Minute}}

	t.Run("validating the blueprint of an existing environment", func(t *testing.T) {
		c := c.in(t)
		blueprint := `{"name":"taken","blueprint":{"services":[{"name":"web","command":["x"],"ports":[{"name":"http","port":8080}]}]}}`
		c.do("POST", "/v1/environments", "application/json", blueprint).expect(t, "create", 202, nil)
		var v struct {
			Valid       bool               `json:"valid"`
			NameInUse   bool               `json:"nameInUse"`
			Environment staxv1.Environment `json:"environment"`
		}
		c.do("POST", "/v1/environments/validate", "application/json", blueprint).expect(t, "validate", 200, &v)
		svc := v.Environment.Spec.Blueprint.Services
		if !v.Valid || !v.NameInUse || v.Environment.Name != "taken" || len(svc) != 1 || svc[0].Replicas == nil || *svc[0].Replicas != 1 {
			t.Errorf("validate of a taken name: %+v", v)
		}
		// Still a real validation: a bad blueprint under a taken name is 422.
		bad := `{"name":"taken","blueprint":{"services":[{"name":"web","command":["x"],"ports":[{"name":"http","port":0}]}]}}`
		if a := c.do("POST", "/v1/environments/validate", "application/json", bad).expect(t, "validate bad", 422, nil); causeFields(a) == "" {
			t.Errorf("validate bad: no causes: %+v", a.Error)
		}
		list, err := s.Client.StaxV1alpha1().Environments(ns).List(ctx, metav1.ListOptions{})
		if err != nil || len(list.Items) != 1 {
			t.Fatalf("validate stored something: %v %v", list, err)
		}
	})

	t.Run("patching a bad value, a misspelt field, the natural spec body", func(t *testing.T) {
		c := c.in(t)
		for _, tc := range []struct{ body, cause, says string }{
			{`{"autoShutdown":{"idleTimeout":"soon"}}`, "autoShutdown", "invalid duration"},
			{`{"autoShutdown":{"idleTimout":"5m"}}`, "autoShutdown", `unknown field "idleTimout"`},
			{`{"spec":{"displayName":7}}`, "spec.displayName", "cannot unmarshal number"},
			{`{"displayNam":"x"}`, "displayNam", "only displayName and autoShutdown may change"},
		} {
			req, _ := http.NewRequest("PATCH", c.base+"/v1/environments/taken", strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+c.token)
			req.Header.Set(gateway.OrganizationHeader, c.org)
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var a answer
			if err := json.Unmarshal(raw, &a); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 422 || a.Error == nil || a.Error.Details == nil || a.Error.Details.Name != "taken" ||
				len(a.Error.Details.Causes) != 1 || a.Error.Details.Causes[0].Field != tc.cause ||
				!strings.Contains(a.Error.Details.Causes[0].Message, tc.says) {
				t.Errorf("PATCH %s: %d %s", tc.body, resp.StatusCode, raw)
			}
			if len(raw) > 1024 {
				t.Errorf("PATCH %s: a %d-byte answer, want a short one", tc.body, len(raw))
			}
		}
		var env staxv1.Environment
		c.do("PATCH", "/v1/environments/taken", "application/json", `{"spec":{"displayName":"Taken v2"}}`).expect(t, "PATCH spec", 200, &env)
		if env.Spec.DisplayName != "Taken v2" {
			t.Errorf("PATCH with the spec body: displayName %q", env.Spec.DisplayName)
		}
	})

	t.Run("answers leave managedFields out unless asked", func(t *testing.T) {
		c := c.in(t)
		for _, path := range []string{"/v1/environments/taken"} {
			a := c.do("GET", path, "", "").expect(t, "GET "+path, 200, nil)
			if strings.Contains(string(a.Data), "managedFields") {
				t.Errorf("GET %s carries managedFields: %.300s", path, a.Data)
			}
			a = c.do("GET", path+"?managedFields=true", "", "").expect(t, "GET "+path+" asking", 200, nil)
			if !strings.Contains(string(a.Data), `"managedFields"`) {
				t.Errorf("GET %s?managedFields=true has none: %.300s", path, a.Data)
			}
		}
	})

	t.Run("the list is active and historical, in one shape, paged", func(t *testing.T) {
		c := c.in(t)
		// Two more environments, one of them deleted: taken, kept, gone.
		for _, name := range []string{"kept", "gone"} {
			c.do("POST", "/v1/environments", "application/json",
				`{"name":"`+name+`","blueprint":{"services":[{"name":"web","command":["x"]}]}}`).expect(t, "create "+name, 202, nil)
		}
		// Deleted once the controller holds it (its finalizer): the record
		// is written by the teardown.
		deadline := time.Now().Add(time.Minute)
		for {
			e, err := s.Client.StaxV1alpha1().Environments(ns).Get(ctx, "gone", metav1.GetOptions{})
			if err == nil && len(e.Finalizers) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("gone never got its finalizer: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.do("DELETE", "/v1/environments/gone", "", "").expect(t, "delete gone", 202, nil)
		// Wait for its record with the admin client: the gateway's quota is
		// for the assertions.
		deadline = time.Now().Add(time.Minute)
		for {
			recs, err := s.Client.StaxV1alpha1().EnvironmentRecords(ns).List(ctx, metav1.ListOptions{})
			if err == nil && len(recs.Items) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no record of gone: %v %v", recs, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		// Pages of two: taken and kept, then the record of gone.
		var seen []string
		token := ""
		for page := 0; ; page++ {
			var l listAnswer
			path := "/v1/environments?limit=2"
			if token != "" {
				path += "&continue=" + token
			}
			c.do("GET", path, "", "").expect(t, "page", 200, &l)
			for _, it := range l.Items {
				seen = append(seen, it.State+":"+it.Name)
			}
			if token = l.Continue; token == "" || page > 3 {
				break
			}
		}
		if strings.Join(seen, ",") != "active:kept,active:taken,historical:gone" {
			t.Errorf("pages gave %v", seen)
		}
		var active listAnswer
		c.do("GET", "/v1/environments?state=active", "", "").expect(t, "active", 200, &active)
		if len(active.Items) != 2 {
			t.Errorf("state=active: %+v", active)
		}
		c.do("GET", "/v1/environments?continue=garbage", "", "").expect(t, "bad continue", 400, nil)
	})

	t.Run("a wrong method", func(t *testing.T) {
		c := c.in(t)
		a := c.do("PUT", "/v1/environments/taken", "application/json", `{}`).expect(t, "PUT", 405, nil)
		if a.Header.Get("Allow") != "GET, PATCH, DELETE" || a.Error.Reason != metav1.StatusReasonMethodNotAllowed {
			t.Errorf("PUT: Allow %q, error %+v", a.Header.Get("Allow"), a.Error)
		}
	})
}
