package kubernetes

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/microstax/stax/pkg/runtime"
)

func TestSecretVariablesStayInTheSecret(t *testing.T) {
	p := testPlan()
	api := &p.Services[1]
	api.Env = append(api.Env, runtime.EnvVar{Name: "DB_PASSWORD", Value: "hunter2", Secret: true})
	d, err := json.Marshal(deployment(p, *api, "ns", 2))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(d), "hunter2") {
		t.Errorf("the Deployment holds the secret value: %s", d)
	}
	if !strings.Contains(string(d), `"secretKeyRef":{"name":"api-secrets","key":"DB_PASSWORD"}`) {
		t.Errorf("the Deployment does not refer to the Secret: %s", d)
	}
	sec := secretOf(p, *api, "ns")
	if sec == nil || sec.StringData["DB_PASSWORD"] != "hunter2" || sec.Labels[LabelService] != "api" {
		t.Errorf("the service's Secret: %+v", sec)
	}
	if secretOf(p, p.Services[0], "ns") != nil {
		t.Errorf("a service without secret variables got a Secret")
	}
}

func TestSecretValuesFromTheSecrets(t *testing.T) {
	client := fake.NewClientset()
	r := &Runtime{client: client}
	p := testPlan()
	api := &p.Services[1]
	api.Env = append(api.Env, runtime.EnvVar{Name: "DB_PASSWORD", Value: "hunter2", Secret: true})
	ctx := context.Background()
	ns := NamespaceName("acme", "dev")
	if err := r.applySecret(ctx, p, *api, ns); err != nil {
		t.Fatal(err)
	}
	got, err := r.SecretValues(ctx, "acme", "dev")
	if err != nil || len(got) != 1 || got[0] != "hunter2" {
		t.Errorf("SecretValues: %v, %v", got, err)
	}
}
