package kubectlstax

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

func env(phase staxv1.EnvironmentPhase, ready int32) *staxv1.Environment {
	return &staxv1.Environment{
		ObjectMeta: metav1.ObjectMeta{Name: "demo"},
		Spec:       staxv1.EnvironmentSpec{Blueprint: staxv1.Blueprint{Services: []staxv1.ServiceSpec{{Name: "api"}}}},
		Status: staxv1.EnvironmentStatus{Phase: phase, Services: []staxv1.ServiceStatus{
			{Name: "api", DesiredReplicas: 2, ReadyReplicas: ready, Health: "Waiting"}}},
	}
}

func TestProgressPlainPrintsOneLinePerChange(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, false)
	p.show(env(staxv1.EnvironmentProvisioning, 0))
	p.show(env(staxv1.EnvironmentProvisioning, 0))
	p.show(env(staxv1.EnvironmentProvisioning, 1))
	want := "environment demo: Provisioning, 0/1 services ready\n" +
		"service api: 0/2 ready, health Waiting, 0 restarts\n" +
		"service api: 1/2 ready, health Waiting, 0 restarts\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestProgressTerminalRedrawsInPlace(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, true)
	p.show(env(staxv1.EnvironmentProvisioning, 0))
	p.show(env(staxv1.EnvironmentProvisioning, 0)) // nothing new: no redraw
	p.show(env(staxv1.EnvironmentReady, 2))
	s := out.String()
	if strings.Count(s, "\x1b[3A\r\x1b[J") != 1 || !strings.Contains(s, "environment demo: Ready, 1/1 services ready") {
		t.Fatalf("one redraw of the 3-line block expected:\n%q", s)
	}
}

func TestCutLines(t *testing.T) {
	if got := cutLines("abcdef\nab\n", 4); got != "abc\nab\n" {
		t.Fatalf("%q", got)
	}
}

func TestColourPrefix(t *testing.T) {
	if got := colourPrefix("api-1 2026-01-01T00:00:00Z hello"); !strings.HasPrefix(got, "\x1b[") || !strings.HasSuffix(got, "\x1b[0m 2026-01-01T00:00:00Z hello") {
		t.Fatalf("%q", got)
	}
	if got := colourPrefix("2026-01-01T00:00:00Z hello"); got != "2026-01-01T00:00:00Z hello" {
		t.Fatalf("a line without a replica prefix changed: %q", got)
	}
}

func TestCodeOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		code int
	}{
		{nil, ExitOK},
		{errors.New(`unknown command "x"`), ExitUsage},
		{run(func() error { return errors.New("boom") }), ExitFailed},
		{run(func() error { return timedOut("late") }), ExitTimedOut},
		{usageError("bad"), ExitUsage},
	} {
		if got := CodeOf(c.err); got != c.code {
			t.Errorf("CodeOf(%v) = %d, want %d", c.err, got, c.code)
		}
	}
}

func TestInvalidMessageNamesTheRefusedObject(t *testing.T) {
	causes := &metav1.StatusDetails{Causes: []metav1.StatusCause{{Field: "spec.window", Message: "Invalid value"}}}
	env := metav1.Status{Details: &metav1.StatusDetails{Kind: "Environment", Name: "shop", Causes: causes.Causes}}
	if got := invalidMessage(env, "shop"); !strings.HasPrefix(got, `environment "shop" is invalid:`) || !strings.Contains(got, "* spec.window") {
		t.Errorf("environment: %q", got)
	}
	org := metav1.Status{Details: &metav1.StatusDetails{Kind: "OrganizationUsageOptions", Name: "acme", Causes: causes.Causes}}
	if got := invalidMessage(org, ""); !strings.HasPrefix(got, `organizationusageoptions "acme" is invalid:`) {
		t.Errorf("another kind: %q", got)
	}
	if got := invalidMessage(metav1.Status{Message: "bad"}, "shop"); got != `environment "shop" is invalid: bad` {
		t.Errorf("no details: %q", got)
	}
}
