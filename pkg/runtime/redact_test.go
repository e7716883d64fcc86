package runtime

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// chunks is a reader that returns its parts one per Read.
type chunks struct{ parts []string }

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.parts[0])
	if n < len(c.parts[0]) {
		c.parts[0] = c.parts[0][n:]
	} else {
		c.parts = c.parts[1:]
	}
	return n, nil
}

func (c *chunks) Close() error { return nil }

func redacted(t *testing.T, values []string, parts ...string) string {
	t.Helper()
	b, err := io.ReadAll(Redact(&chunks{parts: parts}, values))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRedact(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []string
		parts  []string
		want   string
	}{
		{"whole line", []string{"hunter2"}, []string{"pw=hunter2 ok\n"}, "pw=[redacted] ok\n"},
		{"twice", []string{"hunter2"}, []string{"hunter2 hunter2\n"}, "[redacted] [redacted]\n"},
		{"split across reads", []string{"hunter2"}, []string{"pw=hun", "te", "r2\nnext\n"}, "pw=[redacted]\nnext\n"},
		{"no newline at the end", []string{"hunter2"}, []string{"pw=hunt", "er2"}, "pw=[redacted]"},
		{"overlapping values", []string{"abcd", "cdef"}, []string{"xabcdefx\n"}, "x[redacted]x\n"},
		{"one inside another", []string{"secret", "cre"}, []string{"a secret, cre\n"}, "a [redacted], [redacted]\n"},
		{"empty value ignored", []string{"", "hunter2"}, []string{"a b hunter2\n"}, "a b [redacted]\n"},
		{"multi-line value, line by line", []string{"line-one\nline-two\n"}, []string{"line-one\nok\nline-two\n"}, "[redacted]\nok\n[redacted]\n"},
		{"nothing to hide", []string{"zzz"}, []string{"plain\n"}, "plain\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := redacted(t, c.values, c.parts...); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestRedactLongLine(t *testing.T) {
	// A line longer than what is held back is let through in pieces, and a
	// value on the boundary of two pieces is still hidden.
	long := strings.Repeat("x", maxPendingLine+5) + "hunter2" + strings.Repeat("y", 100)
	var parts []string
	for s := long; len(s) > 0; {
		n := min(len(s), 1000)
		parts, s = append(parts, s[:n]), s[n:]
	}
	got := redacted(t, []string{"hunter2"}, parts...)
	if strings.Contains(got, "hunter2") || !strings.Contains(got, "x[redacted]y") || len(got) != len(long)-7+len(Redacted) {
		t.Errorf("long line not redacted as one: %d bytes, contains value: %v", len(got), strings.Contains(got, "hunter2"))
	}
}

func TestRedactNoValues(t *testing.T) {
	src := io.NopCloser(strings.NewReader("a"))
	if Redact(src, []string{""}) != src {
		t.Errorf("with no value the stream should pass as it is")
	}
	if err := iotest.TestReader(Redact(&chunks{parts: []string{"a hunter2\nb\n"}}, []string{"hunter2"}), []byte("a [redacted]\nb\n")); err != nil {
		t.Error(err)
	}
}

func TestPlanSecrets(t *testing.T) {
	p := Plan{Services: []ServicePlan{{Name: "api", Env: []EnvVar{{Name: "A", Value: "plain"}, {Name: "B", Value: "s3cret", Secret: true}}}}}
	if got := p.SecretValues(); len(got) != 1 || got[0] != "s3cret" {
		t.Errorf("SecretValues: %v", got)
	}
	w := p.WithoutSecretValues()
	if w.Services[0].Env[1].Value != "" || w.Services[0].Env[0].Value != "plain" || p.Services[0].Env[1].Value != "s3cret" {
		t.Errorf("WithoutSecretValues: %+v (original %+v)", w.Services[0].Env, p.Services[0].Env)
	}
}
