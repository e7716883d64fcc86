package integration

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/microstax/stax/pkg/gateway"
)

// startGateway serves the /v1 API in front of s, on a real listener.
func startGateway(t testing.TB, s *testServer, configure ...func(*gateway.Config)) string {
	t.Helper()
	cfg := gateway.Config{Upstream: s.Config, Admin: s.Client}
	for _, f := range configure {
		f(&cfg)
	}
	g, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv.URL
}

// restClient is a client of the /v1 API only.
type restClient struct {
	t     testing.TB
	base  string
	token string
	org   string
	http  *http.Client
}

// answer is a decoded answer of the gateway.
type answer struct {
	Status int
	Header http.Header
	Data   json.RawMessage `json:"data"`
	Error  *gateway.Error  `json:"error"`
	Meta   gateway.Meta    `json:"meta"`
}

// in is c for the (sub)test t: its failures end t, not another test.
func (c *restClient) in(t testing.TB) *restClient {
	cc := *c
	cc.t = t
	return &cc
}

func (c *restClient) do(method, path, contentType, body string) *answer {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.org != "" {
		req.Header.Set(gateway.OrganizationHeader, c.org)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	a := &answer{Status: resp.StatusCode, Header: resp.Header}
	if err := json.Unmarshal(raw, a); err != nil {
		c.t.Fatalf("%s %s: not JSON: %v: %s", method, path, err, raw)
	}
	checkMeta(c.t, method+" "+path, a.Meta)
	return a
}

// checkMeta holds for every answer: the envelope's meta.
func checkMeta(t testing.TB, what string, m gateway.Meta) {
	t.Helper()
	if !strings.HasPrefix(m.RequestID, "stx_") || len(m.RequestID) != 4+32 {
		t.Errorf("%s: requestId %q", what, m.RequestID)
	}
	if ts, err := time.Parse(time.RFC3339, m.Timestamp); err != nil || time.Since(ts) > time.Minute {
		t.Errorf("%s: timestamp %q: %v", what, m.Timestamp, err)
	}
}

// expect checks the status of an answer and decodes its data into into.
func (a *answer) expect(t testing.TB, what string, status int, into any) *answer {
	t.Helper()
	if a.Status != status {
		t.Fatalf("%s: status %d, want %d; error %+v; data %s", what, a.Status, status, a.Error, a.Data)
	}
	if status < 300 && a.Error != nil || status >= 400 && a.Error == nil {
		t.Fatalf("%s: data %s, error %+v", what, a.Data, a.Error)
	}
	if into != nil {
		if err := json.Unmarshal(a.Data, into); err != nil {
			t.Fatalf("%s: data %s: %v", what, a.Data, err)
		}
	}
	return a
}

// dial opens a WebSocket of the API as a browser does: the token as a
// subprotocol, the organization in the query.
func (c *restClient) dial(path string) *websocket.Conn {
	c.t.Helper()
	d := websocket.Dialer{Subprotocols: []string{
		"base64url.bearer.authorization.k8s.io." + base64.RawURLEncoding.EncodeToString([]byte(c.token)), gateway.WebSocketProtocol}}
	conn, resp, err := d.Dial("ws"+strings.TrimPrefix(c.base, "http")+path+"?organization="+c.org, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		c.t.Fatalf("dial %s: %v (status %d)", path, err, status)
	}
	// An open stream holds a watch on the apiserver: close it before the
	// server stops, even when the test fails half-way.
	c.t.Cleanup(func() { _ = conn.Close() })
	if conn.Subprotocol() != gateway.WebSocketProtocol {
		c.t.Errorf("subprotocol %q", conn.Subprotocol())
	}
	return conn
}

// listAnswer is the data of GET /v1/environments.
type listAnswer struct {
	Items []struct {
		State, Name, Phase, Record, Baseline string
		DeletedAt                            *time.Time
		HealthyServices                      *int
	} `json:"items"`
	Continue string `json:"continue"`
}
