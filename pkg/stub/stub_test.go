package stub

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// documents are the real public descriptions in testdata (see its README).
var documents = []string{
	"petstore-3.0.yaml",
	"petstore-3.1.json",
	"petstore-swagger-2.0.json",
	"train-travel-3.1.json",
	"uspto-3.0.json",
	"star-trek-3.0.json",
	"readme-3.1.json",
	"api.github.com.json.gz",
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = z
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseTestdata(t testing.TB, name string) *Document {
	t.Helper()
	d, err := Parse(context.Background(), readTestdata(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

// TestEveryOperationAnswers sends a valid request to every operation of
// every document and checks each answer with kin-openapi's response
// validator against the document.
func TestEveryOperationAnswers(t *testing.T) {
	for _, name := range documents {
		t.Run(name, func(t *testing.T) {
			d := parseTestdata(t, name)
			if len(d.Operations) == 0 {
				t.Fatal("no operations")
			}
			srv, err := NewServer(d, Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			failed := 0
			answers := 0
			for _, op := range d.Operations {
				o := d.Spec.Paths.Value(op.Path).GetOperation(op.Method)
				// The default answer, then every documented one by Prefer.
				codes := []string{""}
				for c := range o.Responses.Map() {
					codes = append(codes, c)
				}
				sort.Strings(codes)
				for _, code := range codes {
					answers++
					if err := checkOperation(d, ts.URL, op, code); err != nil {
						failed++
						if failed <= 10 {
							t.Errorf("%s %s (Prefer code=%s): %v", op.Method, op.Path, code, err)
						}
					}
				}
			}
			if failed > 0 {
				t.Errorf("%d of %d answers failed", failed, answers)
			}
			t.Logf("%d operations, %d answers validated, %d warnings, %d errors", len(d.Operations), answers, len(d.Warnings), len(d.Errors))
		})
	}
}

func checkOperation(d *Document, base string, op Operation, code string) error {
	req, err := d.SampleRequest(op, base, 7)
	if err != nil {
		return err
	}
	if code != "" {
		req.Header.Set("Prefer", "code="+code)
	}
	reqBody, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	resp, err := noRedirects.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.Header.Get(ProblemHeader) != "" {
		return &answerError{status: resp.StatusCode, body: string(body)}
	}
	item := d.Spec.Paths.Value(op.Path)
	route := &routers.Route{Spec: d.Spec, Path: op.Path, PathItem: item, Method: op.Method, Operation: item.GetOperation(op.Method)}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

type answerError struct {
	status int
	body   string
}

func (e *answerError) Error() string { return http.StatusText(e.status) + ": " + e.body }

// noRedirects shows a 3xx answer as it is.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func init() {
	// Media types kin-openapi has no decoder for are checked as text.
	for _, ct := range []string{"text/html", "application/octocat-stream", "text/x-markdown"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}
