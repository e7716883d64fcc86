package diagnose

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Assistant explains findings in prose; the analyzers never need one.
type Assistant interface {
	Explain(ctx context.Context, environment string, findings []Finding) (string, error)
}

// ChatConfig configures a ChatAssistant.
type ChatConfig struct {
	// Endpoint is an OpenAI-compatible chat completions URL
	// (…/v1/chat/completions).
	Endpoint string
	Model    string
	// APIKey, when set, is sent as a bearer token.
	APIKey string
	// Timeout bounds one explanation. Defaults to 20 s.
	Timeout time.Duration
	// CacheSize is how many explanations are kept. Defaults to 128.
	CacheSize int
	// Client defaults to http.DefaultClient.
	Client *http.Client
}

// ChatAssistant explains findings with a chat-completions model. What it
// sends is anonymised: the environment's and services' names, addresses,
// URLs, e-mail addresses and anything that looks like a secret become
// placeholders, restored in the answer. Answers are cached by what was
// sent.
type ChatAssistant struct {
	cfg   ChatConfig
	mu    sync.Mutex
	cache map[string]string
	order []string // cache keys, oldest first
}

// NewChatAssistant returns an assistant on cfg.Endpoint.
func NewChatAssistant(cfg ChatConfig) (*ChatAssistant, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("assistant: no endpoint")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = 128
	}
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	return &ChatAssistant{cfg: cfg, cache: map[string]string{}}, nil
}

const systemPrompt = "You explain why a development environment is failing. You get findings of automatic analyzers: " +
	"each with its service, severity, cause, evidence and remedy, root causes first. In a few short paragraphs, say what " +
	"went wrong, starting from the root cause, and what to do. Keep placeholders such as service-1 or address-2 as they are."

// Explain implements Assistant.
func (a *ChatAssistant) Explain(ctx context.Context, environment string, findings []Finding) (string, error) {
	anon := newAnonymizer(environment, findings)
	prompt := anon.hide(describeFindings(findings))
	sum := sha256.Sum256([]byte(a.cfg.Model + "\x00" + prompt))
	key := hex.EncodeToString(sum[:])
	a.mu.Lock()
	cached, ok := a.cache[key]
	a.mu.Unlock()
	if ok {
		return anon.restore(cached), nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
	defer cancel()
	answer, err := a.complete(ctx, prompt)
	if err != nil {
		return "", err
	}
	a.remember(key, answer)
	return anon.restore(answer), nil
}

func (a *ChatAssistant) remember(key, answer string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.cache[key]; ok {
		return
	}
	a.cache[key] = answer
	a.order = append(a.order, key)
	if len(a.order) > a.cfg.CacheSize {
		delete(a.cache, a.order[0])
		a.order = a.order[1:]
	}
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// complete is one chat-completions call.
func (a *ChatAssistant) complete(ctx context.Context, prompt string) (string, error) {
	body, _ := json.Marshal(map[string]any{"model": a.cfg.Model, "temperature": 0,
		"messages": []chatMessage{{"system", systemPrompt}, {"user", prompt}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.Endpoint, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if a.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+a.cfg.APIKey)
	}
	resp, err := a.cfg.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("assistant: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("assistant: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("assistant: %s: %s", resp.Status, strings.TrimSpace(string(data[:min(len(data), 200)])))
	}
	var out struct {
		Choices []struct {
			Message chatMessage `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(data, &out); err != nil || len(out.Choices) == 0 || out.Choices[0].Message.Content == "" {
		return "", errors.New("assistant: the answer has no message")
	}
	return out.Choices[0].Message.Content, nil
}

// describeFindings is the findings as text, for the model.
func describeFindings(findings []Finding) string {
	var b strings.Builder
	for i, f := range findings {
		fmt.Fprintf(&b, "Finding %d: %s on %q, severity %s", i+1, f.Analyzer, f.Service, f.Severity)
		if f.Symptom() {
			fmt.Fprintf(&b, ", a symptom of %q", f.Root)
		}
		fmt.Fprintf(&b, "\nCause: %s\n", f.Cause)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "Evidence: %s\n", e)
		}
		fmt.Fprintf(&b, "Remedy (%s): %s\n\n", f.Remediation.Action, f.Remediation.Description)
	}
	return b.String()
}

// What is hidden besides the names: URLs, host:port and IP addresses,
// e-mail addresses, and long tokens (keys, passwords, JWTs).
var (
	urlPattern    = regexp.MustCompile(`\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]+`)
	emailPattern  = regexp.MustCompile(`\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b`)
	addrPattern   = regexp.MustCompile(`\[[0-9a-fA-F:]+\](:\d+)?|\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b|\blocalhost:\d+\b`)
	secretPattern = regexp.MustCompile(`\b[A-Za-z0-9_\-+/=.]{24,}\b`)
)

// anonymizer maps what must not leave to placeholders and back.
type anonymizer struct {
	names   []string          // longest first
	forward map[string]string // original -> placeholder
	back    map[string]string
	counts  map[string]int
}

func newAnonymizer(environment string, findings []Finding) *anonymizer {
	a := &anonymizer{forward: map[string]string{}, back: map[string]string{}, counts: map[string]int{}}
	if environment != "" {
		a.placeholder("environment", environment)
	}
	for _, f := range findings {
		for _, n := range []string{f.Service, f.Root, f.Remediation.Service} {
			if n != "" {
				a.placeholder("service", n)
			}
		}
	}
	for n := range a.forward {
		a.names = append(a.names, n)
	}
	sort.Slice(a.names, func(i, j int) bool { return len(a.names[i]) > len(a.names[j]) })
	return a
}

func (a *anonymizer) placeholder(kind, v string) string {
	if p, ok := a.forward[v]; ok {
		return p
	}
	a.counts[kind]++
	p := fmt.Sprintf("%s-%d", kind, a.counts[kind])
	a.forward[v], a.back[p] = p, v
	return p
}

// hide replaces patterns first (a URL holds names), then whole-word names.
func (a *anonymizer) hide(s string) string {
	for _, p := range []struct {
		kind string
		re   *regexp.Regexp
	}{{"url", urlPattern}, {"email", emailPattern}, {"address", addrPattern}, {"secret", secretPattern}} {
		s = p.re.ReplaceAllStringFunc(s, func(m string) string {
			if _, ours := a.back[m]; ours || !strings.ContainsAny(m, "0123456789:/@") && p.kind == "secret" {
				return m // a placeholder, or a long plain word
			}
			return a.placeholder(p.kind, m)
		})
	}
	for _, n := range a.names {
		re := regexp.MustCompile(`(^|[^A-Za-z0-9_-])` + regexp.QuoteMeta(n) + `($|[^A-Za-z0-9_-])`)
		for re.MatchString(s) {
			s = re.ReplaceAllString(s, "${1}"+a.forward[n]+"${2}")
		}
	}
	return s
}

var placeholderPattern = regexp.MustCompile(`\b(environment|service|url|email|address|secret)-\d+\b`)

func (a *anonymizer) restore(s string) string {
	return placeholderPattern.ReplaceAllStringFunc(s, func(p string) string {
		if v, ok := a.back[p]; ok {
			return v
		}
		return p
	})
}
