package integration

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	envcontroller "github.com/microstax/stax/pkg/controller/environment"
)

const secretValue = "s3cret-Value-42"

// TestSecrets: values are write-only through every answer; the controller
// waits for a missing secret, then runs the service with the value, which
// its log shows as [redacted]; records keep the reference only; a token
// user may not read values.
func TestSecrets(t *testing.T) {
	s := startInProcess(t)
	ctx := context.Background()
	api := s.Client.StaxV1alpha1()
	secrets := api.Secrets(ns)

	// An environment whose secret is not there yet waits with a condition.
	svc := demo(t, "api", 1, nil)
	svc.Args = nil // its name, printed at start and answered on GET /, comes from SERVICE_NAME
	svc.Env = []staxv1.EnvVar{{Name: "SERVICE_NAME", ValueFrom: &staxv1.EnvVarSource{
		SecretRef: &staxv1.SecretKeyReference{Name: "creds", Key: "name"}}}}
	env := &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: "secretive", Namespace: ns},
		Spec:       staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{svc}}},
	}
	if _, err := api.Environments(ns).Create(ctx, env, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "secretive", "waiting for its secret", func(e *staxv1.Environment) bool {
		c := meta.FindStatusCondition(e.Status.Conditions, staxv1.ConditionProvisioned)
		return c != nil && c.Reason == envcontroller.ReasonSecretNotFound && strings.Contains(c.Message, `secret "creds" not found`) &&
			e.Status.Phase == staxv1.EnvironmentPending
	})

	w, err := secrets.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// First without the key the environment needs.
	created, err := secrets.Create(ctx, &staxv1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: ns},
		Data: map[string]string{"other": secretValue}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	noValues(t, "create", created, "other")
	waitFor(t, s, "secretive", "waiting for its key", func(e *staxv1.Environment) bool {
		c := meta.FindStatusCondition(e.Status.Conditions, staxv1.ConditionProvisioned)
		return c != nil && strings.Contains(c.Message, `has no key "name"`)
	})
	// A get-modify-update carries no data: the values stay. A merge patch
	// adds the missing key.
	got, err := secrets.Get(ctx, "creds", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	noValues(t, "get", got, "other")
	got.Labels = map[string]string{"team": "api"}
	updated, err := secrets.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	noValues(t, "update", updated, "other")
	patch, _ := json.Marshal(map[string]any{"data": map[string]string{"name": secretValue}})
	patched, err := secrets.Patch(ctx, "creds", "application/merge-patch+json", patch, metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	noValues(t, "patch", patched, "name", "other")
	list, err := secrets.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	noValues(t, "list", &list.Items[0], "name", "other")
	for i := 0; i < 3; i++ {
		select {
		case ev := <-w.ResultChan():
			noValues(t, "watch "+string(ev.Type), ev.Object.(*staxv1.Secret), ev.Object.(*staxv1.Secret).Keys...)
		case <-time.After(10 * time.Second):
			t.Fatal("watch: no event")
		}
	}
	// Raw answers, as any client sees them (table included).
	rc := s.Client.StaxV1alpha1().RESTClient()
	for _, accept := range []string{"application/json", "application/json;as=Table;v=v1;g=meta.k8s.io"} {
		raw, err := rc.Get().AbsPath("/apis/stax.microstax.ai/v1alpha1/namespaces", ns, "secrets").SetHeader("Accept", accept).DoRaw(ctx)
		if err != nil || strings.Contains(string(raw), secretValue) || !strings.Contains(string(raw), "creds") {
			t.Errorf("list as %s: %v\n%s", accept, err, raw)
		}
	}
	if out, err := kubectl(t, s, "", "get", "secrets.stax.microstax.ai", "creds", "-n", ns, "-o", "yaml"); err != nil || strings.Contains(out, secretValue) || !strings.Contains(out, "- name") {
		t.Errorf("kubectl get -o yaml: %v\n%s", err, out)
	}

	// Only the platform reads values.
	values, err := secrets.GetValues(ctx, "creds", metav1.GetOptions{})
	if err != nil || values.Data["name"] != secretValue {
		t.Fatalf("values for the admin: %v %v", values, err)
	}
	alice := tokenClient(t, s, mintWithCLI(t, s, ns, "alice"))
	if _, err := alice.StaxV1alpha1().Secrets(ns).GetValues(ctx, "creds", metav1.GetOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("a token user read secret values: %v", err)
	}
	if got, err := alice.StaxV1alpha1().Secrets(ns).Get(ctx, "creds", metav1.GetOptions{}); err != nil || got.Data != nil {
		t.Errorf("a token user's get: %v %v", got, err)
	}

	// The Secret's write made the controller try again: it runs.
	ready := waitFor(t, s, "secretive", "Ready once the key exists", phaseIs(staxv1.EnvironmentReady))
	if body := httpGet(t, "http://"+endpointOf(t, ready, "api")+"/"); !strings.Contains(body, secretValue) {
		t.Errorf("the process did not get the value: %s", body)
	}
	logs, err := rc.Get().AbsPath("/apis/stax.microstax.ai/v1alpha1/namespaces", ns, "environments", "secretive", "log").DoRaw(ctx)
	if err != nil || strings.Contains(string(logs), secretValue) || !strings.Contains(string(logs), "[redacted] listening on") {
		t.Errorf("logs: %v\n%s", err, logs)
	}
	whole, err := rc.Get().AbsPath("/apis/stax.microstax.ai/v1alpha1/namespaces", ns, "environments", "secretive").DoRaw(ctx)
	if err != nil || strings.Contains(string(whole), secretValue) {
		t.Errorf("the environment shows the value: %v\n%s", err, whole)
	}

	// The record keeps the reference, never the value.
	if err := api.Environments(ns).Delete(ctx, "secretive", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	var record []byte
	deadline := time.Now().Add(60 * time.Second)
	for ; time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		raw, err := rc.Get().AbsPath("/apis/stax.microstax.ai/v1alpha1/namespaces", ns, "environmentrecords").DoRaw(ctx)
		if err == nil && strings.Contains(string(raw), "secretive") {
			record = raw
			break
		}
	}
	if record == nil || strings.Contains(string(record), secretValue) || !strings.Contains(string(record), `"secretRef":{"name":"creds","key":"name"}`) {
		t.Errorf("record: %s", record)
	}
}

func noValues(t *testing.T, what string, s *staxv1.Secret, keys ...string) {
	t.Helper()
	if s.Data != nil {
		t.Errorf("%s answered values", what)
	}
	if strings.Join(s.Keys, ",") != strings.Join(keys, ",") {
		t.Errorf("%s: keys %v, want %v", what, s.Keys, keys)
	}
}
