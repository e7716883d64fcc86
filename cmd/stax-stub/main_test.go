package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/microstax/stax/pkg/stub"
)

func serve(t *testing.T, c config) *httptest.Server {
	t.Helper()
	data, opts, err := load(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	d, err := stub.Parse(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServesAGzippedDocument(t *testing.T) {
	ts := serve(t, config{document: "../../pkg/stub/testdata/api.github.com.json.gz", seed: 3})
	if code, body := get(t, ts.URL+"/repos/octocat/hello-world/issues/1"); code != 200 || !strings.Contains(body, `"number"`) {
		t.Errorf("issue: %d %.200s", code, body)
	}
	if code, body := get(t, ts.URL+"/repos/octocat/hello-world/issues/x"); code != 400 || !strings.Contains(body, "/path/issue_number") {
		t.Errorf("bad issue number: %d %s", code, body)
	}
	code, body := get(t, ts.URL+"/_stub/report")
	var rep struct {
		Operations []stub.Operation
		Errors     []stub.Issue
	}
	if err := json.Unmarshal([]byte(body), &rep); code != 200 || err != nil || len(rep.Operations) != 1223 {
		t.Errorf("report: %d %v %d operations", code, err, len(rep.Operations))
	}
	if code, _ := get(t, ts.URL+"/_stub/healthz"); code != 200 {
		t.Errorf("healthz: %d", code)
	}
}

func TestLoadRefusesBadFlags(t *testing.T) {
	for _, c := range []config{{}, {document: "x", stub: "ns/n"}, {document: "/nonexistent"}} {
		if _, _, err := load(context.Background(), c); err == nil {
			t.Errorf("%+v loaded", c)
		}
	}
}
