package gateway

import (
	"encoding/base64"
	"net/http/httptest"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func fakeToken(payload string) string {
	return "e30." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
}

// Credentials are refused before anything is called, each with its status.
func TestCredentials(t *testing.T) {
	acme := fakeToken(`{"org":"acme"}`)
	for _, tc := range []struct {
		name    string
		headers map[string]string
		query   string
		status  int32 // 0: accepted
	}{
		{"no token", map[string]string{"X-Organization-ID": "acme"}, "", 401},
		{"not bearer", map[string]string{"Authorization": "Basic x", "X-Organization-ID": "acme"}, "", 401},
		{"no organization", map[string]string{"Authorization": "Bearer " + acme}, "", 400},
		{"no org claim", map[string]string{"Authorization": "Bearer " + fakeToken(`{}`), "X-Organization-ID": "acme"}, "", 401},
		{"other organization", map[string]string{"Authorization": "Bearer " + acme, "X-Organization-ID": "globex"}, "", 403},
		{"good", map[string]string{"Authorization": "Bearer " + acme, "X-Organization-ID": "acme"}, "", 0},
		{"websocket subprotocol", map[string]string{"Upgrade": "websocket",
			"Sec-WebSocket-Protocol": wsTokenProtocolPrefix + base64.RawURLEncoding.EncodeToString([]byte(acme)) + ", " + WebSocketProtocol},
			"?organization=acme", 0},
		{"organization query without websocket", map[string]string{"Authorization": "Bearer " + acme}, "?organization=acme", 400},
	} {
		hr := httptest.NewRequest("GET", "/v1/organization"+tc.query, nil)
		for k, v := range tc.headers {
			hr.Header.Set(k, v)
		}
		r := &request{r: hr}
		err := r.credentials()
		var got int32
		if err != nil {
			got = apierrors.APIStatus(err.(*apierrors.StatusError)).Status().Code
		}
		if got != tc.status {
			t.Errorf("%s: status %d, want %d (%v)", tc.name, got, tc.status, err)
		}
		if tc.status == 0 && (r.token != acme || r.org != "acme") {
			t.Errorf("%s: token %q org %q", tc.name, r.token, r.org)
		}
	}
}
