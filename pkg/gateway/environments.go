package gateway

import (
	"encoding/json"
	"net/http"
	"reflect"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/scheme"
)

var envKind = schema.GroupKind{Group: "stax.microstax.ai", Kind: "Environment"}

// exampleEnvironment is the request example of the document: a web service
// with a health check, and a worker that depends on it. The server accepts
// it (TestOpenAPIExamplesAreAccepted); the local runtime would not make it
// Ready, since its web listens on 8080 rather than on the PORT it is given.
var exampleEnvironment = map[string]any{
	"name":        "shop",
	"displayName": "Shop, feature branch",
	"blueprint": map[string]any{"services": []any{
		map[string]any{"name": "web", "command": []any{"python3", "-m", "http.server", "8080"},
			"ports":     []any{map[string]any{"name": "http", "port": 8080}},
			"resources": map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "64Mi"}},
			"health":    map[string]any{"http": map[string]any{"path": "/", "port": "http"}, "periodSeconds": 2}},
		map[string]any{"name": "worker", "command": []any{"sleep", "infinity"}, "replicas": 2,
			"env": []any{map[string]any{"name": "LOG_LEVEL", "value": "debug"}}, "dependsOn": []any{"web"}},
	}},
	"autoShutdown": map[string]any{"idleTimeout": "1h", "timeToLive": "24h"},
}

var environmentRoutes = []*Route{
	{Method: "POST", Path: "/v1/environments", Tag: tagEnvironments, Summary: "Provision a new environment from a Blueprint (JSON or YAML)",
		Call: "create environments", Success: 202, Errors: []int{409, 413, 415, 422}, Body: "EnvironmentRequest", Example: exampleEnvironment,
		Data: schemaEnvironment, Headers: []string{"Location"}, serve: createEnvironment},
	{Method: "GET", Path: "/v1/environments", Tag: tagEnvironments, Summary: "List active and historical (deleted) environments, in one paged list",
		Call: "list environments, then list environmentrecords", Success: 200, Errors: []int{410},
		Query: []Param{{"state", "string", "active or historical: only those"},
			{"limit", "integer", "page size"}, {"continue", "string", "token of the next page"}},
		Data: "EnvironmentSummaryList", serve: listEnvironments},
	{Method: "POST", Path: "/v1/environments/validate", Tag: tagEnvironments, Summary: "Dry-run validation of a Blueprint",
		Call: "create environments?dryRun=All", Success: 200, Errors: []int{413, 415, 422}, Body: "EnvironmentRequest", Example: exampleEnvironment,
		Data: "Validation", serve: validateEnvironment},
	{Method: "GET", Path: "/v1/environments/{id}", Tag: tagEnvironments, Summary: "Retrieve an environment",
		Call: "get environments", Success: 200, Errors: []int{404}, Data: schemaEnvironment, serve: getEnvironment},
	{Method: "PATCH", Path: "/v1/environments/{id}", Tag: tagEnvironments, Summary: "Update mutable settings: displayName, autoShutdown",
		Call: "patch environments (merge patch of spec.displayName, spec.autoShutdown)", Success: 200, Errors: []int{404, 409, 413, 415, 422},
		Body: "EnvironmentPatch", Example: map[string]any{"displayName": "Shop, review", "autoShutdown": map[string]any{"idleTimeout": "30m"}},
		Data: schemaEnvironment, serve: patchEnvironment},
	{Method: "DELETE", Path: "/v1/environments/{id}", Tag: tagEnvironments, Summary: "Terminate all resources of an environment",
		Call: "delete environments", Success: 202, Errors: []int{404, 409}, Data: schemaEnvironment, serve: deleteEnvironment},
	{Method: "POST", Path: "/v1/environments/{id}/stop", Tag: tagEnvironments, Summary: "Pause an environment",
		Call: "create environments/stop", Success: 202, Errors: []int{404, 409}, Data: schemaEnvironment, serve: pauseEnvironment("stop")},
	{Method: "POST", Path: "/v1/environments/{id}/resume", Tag: tagEnvironments, Summary: "Resume a stopped environment",
		Call: "create environments/resume", Success: 202, Errors: []int{404, 409}, Data: schemaEnvironment, serve: pauseEnvironment("resume")},
	{Method: "GET", Path: "/v1/environments/{id}/status", Tag: tagEnvironments, Summary: "Live service health and status",
		Call: "get environments/status", Success: 200, Errors: []int{404}, Data: "LiveStatus", serve: environmentStatus},
	{Method: MethodWebSocket, Path: "/v1/environments/{id}/progress", Tag: tagEnvironments, Summary: "Phase and condition changes (WebSocket, one JSON message each)",
		Call: "watch environments?fieldSelector=metadata.name={id}", Success: 101, Errors: []int{404},
		Query: []Param{{"organization", "string", "organization, for browsers that cannot set headers"}},
		Data:  "ProgressMessage", serve: streamProgress},
}

// strict makes the apiserver refuse unknown and duplicate fields, so a
// mistyped blueprint field is an error rather than silently dropped.
const strict = metav1.FieldValidationStrict

func createEnvironment(g *Gateway, r *request) error {
	fields, err := readObject(r)
	if err != nil {
		return err
	}
	body, err := environmentBody(fields, r.org)
	if err != nil {
		return err
	}
	data, err := raw(r.ctx(), g.up.environments(http.MethodPost, r.org).Param("fieldValidation", strict).Body(body))
	if err != nil {
		return err
	}
	r.writeCreated(http.StatusAccepted, "/v1/environments", data)
	return nil
}

func validateEnvironment(g *Gateway, r *request) error {
	fields, err := readObject(r)
	if err != nil {
		return err
	}
	if _, named := fields["name"]; !named {
		if _, manifest := fields["kind"]; !manifest {
			// A dry run still needs a name; the blueprint is what is checked.
			fields["name"] = json.RawMessage(`"validate"`)
		}
	}
	body, err := environmentBody(fields, r.org)
	if err != nil {
		return err
	}
	dryRun := func(body []byte) ([]byte, error) {
		return raw(r.ctx(), g.up.environments(http.MethodPost, r.org).
			VersionedParams(&metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: strict}, scheme.ParameterCodec).Body(body))
	}
	data, err := dryRun(body)
	nameInUse := apierrors.IsAlreadyExists(err)
	if nameInUse {
		// Storage refuses a taken name only after defaulting, admission
		// and validation passed: the blueprint is valid. Ask again under a
		// generated name for the server's defaulted answer.
		var taken string
		if body, taken, err = withGeneratedName(body); err == nil {
			if data, err = dryRun(body); err == nil {
				data, err = withName(data, taken)
			}
		}
	}
	if err != nil {
		return err
	}
	return r.writeValue(http.StatusOK, map[string]any{"valid": true, "nameInUse": nameInUse, "environment": json.RawMessage(data)})
}

// withGeneratedName swaps an Environment's name for a generateName of it.
func withGeneratedName(body []byte) ([]byte, string, error) {
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, "", err
	}
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	delete(meta, "name")
	meta["generateName"] = name + "-"
	out, err := json.Marshal(obj)
	return out, name, err
}

// withName puts name back on an answered Environment.
func withName(data []byte, name string) ([]byte, error) {
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	if meta, ok := obj["metadata"].(map[string]any); ok {
		meta["name"] = name
		delete(meta, "generateName")
	}
	return json.Marshal(obj)
}

func getEnvironment(g *Gateway, r *request) error {
	return r.forward(g.up.environments(http.MethodGet, r.org).Name(r.name()), http.StatusOK)
}

func patchEnvironment(g *Gateway, r *request) error {
	fields, err := readObject(r)
	if err != nil {
		return err
	}
	body, err := patchBody(r.name(), fields)
	if err != nil {
		return err
	}
	return r.forward(g.up.environments(http.MethodPatch, r.org).Name(r.name()).
		SetHeader("Content-Type", string(types.MergePatchType)).Param("fieldValidation", strict).Body(body), http.StatusOK)
}

func deleteEnvironment(g *Gateway, r *request) error {
	return r.forward(g.up.environments(http.MethodDelete, r.org).Name(r.name()), http.StatusAccepted)
}

// pauseEnvironment creates the stop or resume subresource, whose body is an
// EnvironmentAction (empty: the apiserver reads it as {}).
func pauseEnvironment(subresource string) func(g *Gateway, r *request) error {
	return func(g *Gateway, r *request) error {
		return r.forward(g.up.environments(http.MethodPost, r.org).Name(r.name()).SubResource(subresource).Body([]byte("{}")), http.StatusAccepted)
	}
}

// environmentStatus answers the status subresource's status, with the name
// and generation it belongs to.
func environmentStatus(g *Gateway, r *request) error {
	var env staxv1.Environment
	if err := into(r.ctx(), g.up.environments(http.MethodGet, r.org).Name(r.name()).SubResource("status"), &env); err != nil {
		return err
	}
	return r.writeValue(http.StatusOK, map[string]any{"name": env.Name, "generation": env.Generation, "status": env.Status})
}

// progress is one message of the progress stream.
type progress struct {
	Type               watch.EventType         `json:"type"`
	Phase              staxv1.EnvironmentPhase `json:"phase,omitempty"`
	Generation         int64                   `json:"generation,omitempty"`
	ObservedGeneration int64                   `json:"observedGeneration,omitempty"`
	Conditions         []metav1.Condition      `json:"conditions,omitempty"`
	Services           []staxv1.ServiceStatus  `json:"services,omitempty"`
}

// streamProgress sends the environment's phase and conditions, then each
// change of them, until the client leaves or the environment is deleted.
func streamProgress(g *Gateway, r *request) error {
	w, err := g.up.startWatch(r.ctx(), r.org, r.name())
	if err != nil {
		return err
	}
	conn, ctx, cancel, err := r.upgrade(r.ctx())
	if err != nil {
		return nil
	}
	defer cancel()
	var last *progress
	send := func(typ watch.EventType, env *staxv1.Environment) bool {
		p := &progress{Type: typ, Phase: env.Status.Phase, Generation: env.Generation, ObservedGeneration: env.Status.ObservedGeneration,
			Conditions: env.Status.Conditions, Services: env.Status.Services}
		if last != nil && typ != watch.Deleted && sameProgress(last, p) {
			return true
		}
		last = p
		_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
		return conn.WriteJSON(p) == nil
	}
	if !send(watch.Added, w.initial) {
		_ = conn.Close()
		return nil
	}
	finish(conn, ctx, w.run(ctx, send), r.requestID)
	return nil
}

// sameProgress ignores condition heartbeats: only phase, generations,
// condition status/reason/message and service readiness count as change.
func sameProgress(a, b *progress) bool {
	strip := func(p *progress) progress {
		c := *p
		c.Type = ""
		c.Conditions = nil
		for _, cond := range p.Conditions {
			c.Conditions = append(c.Conditions, metav1.Condition{Type: cond.Type, Status: cond.Status, Reason: cond.Reason, Message: cond.Message})
		}
		c.Services = nil
		for _, s := range p.Services {
			c.Services = append(c.Services, staxv1.ServiceStatus{Name: s.Name, ReadyReplicas: s.ReadyReplicas, DesiredReplicas: s.DesiredReplicas, Health: s.Health})
		}
		return c
	}
	return reflect.DeepEqual(strip(a), strip(b))
}
