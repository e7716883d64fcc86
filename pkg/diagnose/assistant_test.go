package diagnose

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// chatServer speaks the chat-completions protocol on loopback: it keeps
// what it was sent and answers with a text naming the first service
// placeholder it saw.
func chatServer(t *testing.T, answer func(prompt string) string) (*httptest.Server, *atomic.Int32, *atomic.Value) {
	var calls atomic.Int32
	var last atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer k" {
			http.Error(w, "wrong path or key", http.StatusUnauthorized)
			return
		}
		var req struct {
			Model    string
			Messages []chatMessage
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) != 2 || req.Model != "m" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		last.Store(req.Messages[1].Content)
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{
			"message": map[string]any{"role": "assistant", "content": answer(req.Messages[1].Content)}}}})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls, &last
}

func TestChatAssistantAnonymises(t *testing.T) {
	srv, calls, last := chatServer(t, func(string) string {
		return "service-1 crashed (see url-1 and address-1); service-2 only followed it in environment-1."
	})
	a, err := NewChatAssistant(ChatConfig{Endpoint: srv.URL + "/v1/chat/completions", Model: "m", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	findings := []Finding{
		{Analyzer: AnalyzerCrashLoop, Service: "payments-db", Root: "payments-db", Severity: SeverityError, Cause: "payments-db exits",
			Evidence:    []string{"connecting to postgres://admin:hunter2hunter2@10.1.2.3:5432/pay failed", "alert ops@acme.example", "token sk_live_51HxQeK2eZvKYlo2C0123456789"},
			Remediation: Remediation{Action: ActionRestart, Service: "payments-db", Description: "restart payments-db"}},
		{Analyzer: AnalyzerDependencyRefused, Service: "checkout", Root: "payments-db", Severity: SeverityError,
			Cause: "connections to its dependency payments-db are refused", Evidence: []string{"dial tcp 127.0.0.1:4001: connection refused"}},
	}
	got, err := a.Explain(context.Background(), "acme-shop", findings)
	if err != nil {
		t.Fatal(err)
	}
	sent := last.Load().(string)
	for _, secret := range []string{"payments-db", "checkout", "acme-shop", "hunter2", "10.1.2.3", "127.0.0.1:4001", "ops@acme.example", "sk_live_51HxQeK2eZvKYlo2C0123456789"} {
		if strings.Contains(sent, secret) {
			t.Errorf("sent %q:\n%s", secret, sent)
		}
	}
	if !strings.Contains(sent, "service-1") || !strings.Contains(sent, "CrashLoop") {
		t.Errorf("the prompt lost the findings:\n%s", sent)
	}
	want := "payments-db crashed (see postgres://admin:hunter2hunter2@10.1.2.3:5432/pay and 127.0.0.1:4001); checkout only followed it in acme-shop."
	if got != want {
		t.Errorf("answer %q\nwant   %q", got, want)
	}

	// The same findings again: from the cache.
	if again, err := a.Explain(context.Background(), "acme-shop", findings); err != nil || again != want || calls.Load() != 1 {
		t.Fatalf("second explanation %q %v after %d calls", again, err, calls.Load())
	}
}

func TestChatAssistantFailures(t *testing.T) {
	findings := []Finding{{Analyzer: AnalyzerCrashLoop, Service: "api", Root: "api"}}
	srv, _, _ := chatServer(t, func(string) string { return "" })
	for name, cfg := range map[string]ChatConfig{
		"wrong key":      {Endpoint: srv.URL + "/v1/chat/completions", Model: "m", APIKey: "nope"},
		"empty answer":   {Endpoint: srv.URL + "/v1/chat/completions", Model: "m", APIKey: "k"},
		"nobody listens": {Endpoint: "http://127.0.0.1:1/v1/chat/completions", Model: "m"},
	} {
		a, _ := NewChatAssistant(cfg)
		if _, err := a.Explain(context.Background(), "e", findings); err == nil || !strings.HasPrefix(err.Error(), "assistant: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A model slower than the timeout: the explanation gives up.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)
	a, _ := NewChatAssistant(ChatConfig{Endpoint: slow.URL, Model: "m", Timeout: 50 * time.Millisecond})
	if _, err := a.Explain(context.Background(), "e", findings); err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("slow model: %v", err)
	}
	if _, err := NewChatAssistant(ChatConfig{}); err == nil {
		t.Error("no endpoint accepted")
	}
}
