package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
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
		c.t = t
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

	t.Run("a wrong method", func(t *testing.T) {
		c.t = t
		a := c.do("PUT", "/v1/environments/taken", "application/json", `{}`).expect(t, "PUT", 405, nil)
		if a.Header.Get("Allow") != "GET, PATCH, DELETE" || a.Error.Reason != metav1.StatusReasonMethodNotAllowed {
			t.Errorf("PUT: Allow %q, error %+v", a.Header.Get("Allow"), a.Error)
		}
	})
}
