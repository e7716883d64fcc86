package gateway

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/generated/clientset/versioned/scheme"
	"github.com/microstax/stax/pkg/runtime"
)

// GET /v1/environments is "active and historical environments": the
// organization's Environments, then its EnvironmentRecords, in one list of
// one shape, paged with one continue token that says which of the two
// lists it continues and where.

// States of a listed environment.
const (
	stateActive     = "active"
	stateHistorical = "historical"
)

// listItem is one environment of the list, running or ended.
type listItem struct {
	State       string       `json:"state"`
	Name        string       `json:"name"`
	UID         string       `json:"uid"`
	DisplayName string       `json:"displayName,omitempty"`
	CreatedBy   string       `json:"createdBy,omitempty"`
	CreatedAt   metav1.Time  `json:"createdAt"`
	DeletedAt   *metav1.Time `json:"deletedAt,omitempty"`
	Services    int          `json:"services"`
	// Phase of an active environment; a historical one has none.
	Phase string `json:"phase,omitempty"`
	// HealthyServices of an active environment: how many of its own
	// services (not an overlay's shared ones) its status reports Healthy.
	HealthyServices *int `json:"healthyServices,omitempty"`
	// Baseline an overlay branches from (its spec.baselineRef, its record's
	// baseline once deleted).
	Baseline string `json:"baseline,omitempty"`
	// Record names the EnvironmentRecord of a historical environment.
	Record string `json:"record,omitempty"`
}

// listCursor is the decoded continue token: the list it continues and the
// apiserver's continue token within it ("" starts that list).
type listCursor struct {
	State    string `json:"s"`
	Continue string `json:"c,omitempty"`
}

func (c listCursor) token() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseCursor(token string) (listCursor, error) {
	var c listCursor
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || json.Unmarshal(b, &c) != nil || (c.State != stateActive && c.State != stateHistorical) {
		return c, apierrors.NewBadRequest("continue is not a token this list gave")
	}
	return c, nil
}

func listEnvironments(g *Gateway, r *request) error {
	in := r.r.URL.Query()
	states := []string{stateActive, stateHistorical}
	switch f := in.Get("state"); f {
	case "":
	case stateActive, stateHistorical:
		states = []string{f}
	default:
		return apierrors.NewBadRequest(`state must be "active" or "historical"`)
	}
	limit := 0
	if v := in.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return apierrors.NewBadRequest("limit must be a positive integer")
		}
		limit = n
	}
	cur := listCursor{State: states[0]}
	if t := in.Get("continue"); t != "" {
		var err error
		if cur, err = parseCursor(t); err != nil {
			return err
		}
		if len(states) == 1 && cur.State != states[0] {
			return apierrors.NewBadRequest("continue belongs to another state filter")
		}
	}

	items := []listItem{}
	next := ""
	for _, state := range states[slices.Index(states, cur.State):] {
		token := ""
		if state == cur.State {
			token = cur.Continue
		}
		remaining := 0
		if limit > 0 {
			if remaining = limit - len(items); remaining == 0 {
				next = listCursor{State: state}.token()
				break
			}
		}
		page, more, err := g.listPage(r, state, remaining, token)
		if err != nil {
			return err
		}
		items = append(items, page...)
		if more != "" {
			next = listCursor{State: state, Continue: more}.token()
			break
		}
	}
	out := map[string]any{"items": items}
	if next != "" {
		out["continue"] = next
	}
	return r.writeValue(http.StatusOK, out)
}

// listPage is one apiserver page of one of the two lists.
func (g *Gateway) listPage(r *request, state string, limit int, token string) ([]listItem, string, error) {
	opts := &metav1.ListOptions{Limit: int64(limit), Continue: token}
	if state == stateActive {
		var list staxv1.EnvironmentList
		if err := into(r.ctx(), g.up.environments(http.MethodGet, r.org).VersionedParams(opts, scheme.ParameterCodec), &list); err != nil {
			return nil, "", err
		}
		var items []listItem
		for _, e := range list.Items {
			healthy := 0
			for _, s := range e.Status.Services {
				if s.Source != staxv1.ServiceShared && s.Health == runtime.HealthHealthy {
					healthy++
				}
			}
			baseline := ""
			if e.Spec.BaselineRef != nil {
				baseline = e.Spec.BaselineRef.Name
			}
			items = append(items, listItem{State: stateActive, Name: e.Name, UID: string(e.UID), DisplayName: e.Spec.DisplayName,
				CreatedBy: e.Annotations[staxv1.AnnotationCreatedBy], CreatedAt: e.CreationTimestamp, DeletedAt: e.DeletionTimestamp,
				Services: len(e.Spec.Blueprint.Services), Phase: string(e.Status.Phase), HealthyServices: &healthy, Baseline: baseline})
		}
		return items, list.Continue, nil
	}
	var list staxv1.EnvironmentRecordList
	if err := into(r.ctx(), g.up.verb(http.MethodGet).Namespace(r.org).Resource("environmentrecords").VersionedParams(opts, scheme.ParameterCodec), &list); err != nil {
		return nil, "", err
	}
	var items []listItem
	for _, rec := range list.Items {
		deleted := rec.DeletedAt
		items = append(items, listItem{State: stateHistorical, Name: rec.Environment, UID: rec.EnvironmentUID, DisplayName: rec.DisplayName,
			CreatedBy: rec.CreatedBy, CreatedAt: rec.CreatedAt, DeletedAt: &deleted, Services: len(rec.Blueprint.Services), Record: rec.Name, Baseline: rec.Baseline})
	}
	return items, list.Continue, nil
}
