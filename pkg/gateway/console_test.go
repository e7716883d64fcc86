package gateway

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// The console is served from the embedded build, every file with its CSP,
// and needs no token to load (it signs in through the API).
func TestConsoleFiles(t *testing.T) {
	g := testGateway(t)
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	if rec := get("/console"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/console/" {
		t.Errorf("GET /console: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	page := get("/console/")
	if page.Code != 200 || !strings.Contains(page.Body.String(), `<script type="module" src="main.js">`) {
		t.Fatalf("GET /console/: %d %s", page.Code, page.Body)
	}
	// The page loads nothing from elsewhere, and nothing inline (the CSP would refuse it).
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//|<script>|<style|style="`).FindString(page.Body.String()); m != "" {
		t.Errorf("the page has %q", m)
	}
	// Every file the page and its modules name is served, with the headers.
	files, _ := fs.Sub(consoleFiles, "console")
	n := 0
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		rec := get("/console/" + p)
		h := rec.Header()
		if rec.Code != 200 && !(p == "index.html" && rec.Code == http.StatusMovedPermanently) {
			t.Errorf("GET /console/%s: %d", p, rec.Code)
		}
		if h.Get("Content-Security-Policy") != ConsoleContentSecurityPolicy || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET /console/%s: headers %v", p, h)
		}
		if strings.HasSuffix(p, ".js") && !strings.HasPrefix(h.Get("Content-Type"), "text/javascript") {
			t.Errorf("GET /console/%s: Content-Type %q: a module must be JavaScript", p, h.Get("Content-Type"))
		}
		if strings.HasSuffix(p, ".js") && strings.Contains(rec.Body.String(), "innerHTML") {
			t.Errorf("%s sets innerHTML: the console makes text nodes only", p)
		}
		return nil
	})
	if n < 5 {
		t.Errorf("only %d files embedded", n)
	}
	if rec := get("/console/nothing.js"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /console/nothing.js: %d", rec.Code)
	}
}
