package kubectlstax

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// progress is the live view of an environment. On a terminal it redraws
// one block in place (cursor up, clear, rewrite); elsewhere (a pipe, a CI
// log) it prints one line per thing that changed, without escape codes.
type progress struct {
	out io.Writer
	tty bool
	// width is the terminal's, 0 if unknown: longer lines are cut so each
	// takes one row and the cursor-up count stays right.
	width int
	start time.Time
	// drawn is how many lines the terminal block has; frame is its
	// content without the elapsed time, to skip redraws that change nothing.
	drawn int
	frame string
	// last is the line of each part (the environment, each service) last
	// printed in plain mode.
	last map[string]string
}

func newProgress(out io.Writer, tty bool) *progress {
	return &progress{out: out, tty: tty, width: terminalWidth(out), start: time.Now(), last: map[string]string{}}
}

// show draws env's current state.
func (p *progress) show(env *staxv1.Environment) {
	if p.tty {
		p.redraw(env)
		return
	}
	parts := []struct{ key, line string }{{"", environmentLine(env)}}
	for _, s := range env.Status.Services {
		parts = append(parts, struct{ key, line string }{"service/" + s.Name, serviceLine(s)})
	}
	for _, part := range parts {
		if p.last[part.key] != part.line {
			p.last[part.key] = part.line
			fmt.Fprintln(p.out, part.line)
		}
	}
}

// redraw moves the cursor to the block's first line, clears to the end of
// the screen and writes the block again.
func (p *progress) redraw(env *staxv1.Environment) {
	frame := environmentLine(env) + "\n" + p.table(env)
	if frame == p.frame {
		return
	}
	p.frame = frame
	var b bytes.Buffer
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA\r\x1b[J", p.drawn)
	}
	block := fmt.Sprintf("%s  (%s)\n%s", environmentLine(env), time.Since(p.start).Round(time.Second), p.table(env))
	block = cutLines(block, p.width)
	b.WriteString(block)
	p.drawn = strings.Count(block, "\n")
	_, _ = p.out.Write(b.Bytes())
}

// table is the terminal view's table of services.
func (p *progress) table(env *staxv1.Environment) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SERVICE\tREADY\tHEALTH\tRESTARTS\tMESSAGE")
	for _, s := range env.Status.Services {
		fmt.Fprintf(tw, "  %s\t%d/%d\t%s\t%d\t%s\n", s.Name, s.ReadyReplicas, s.DesiredReplicas, orDash(s.Health), s.Restarts, s.Message)
	}
	_ = tw.Flush()
	return b.String()
}

// environmentLine: name, phase, services ready, and the Ready condition's
// reason and message when it is not true.
func environmentLine(env *staxv1.Environment) string {
	ready := 0
	for _, s := range env.Status.Services {
		if s.DesiredReplicas == 0 || s.ReadyReplicas >= s.DesiredReplicas {
			ready++
		}
	}
	line := fmt.Sprintf("environment %s: %s, %d/%d services ready", env.Name, orDash(string(env.Status.Phase)), ready, len(env.Spec.Blueprint.Services))
	if c := meta.FindStatusCondition(env.Status.Conditions, staxv1.ConditionReady); c != nil && c.Status != "True" && c.Reason != "" {
		line += fmt.Sprintf(" (%s: %s)", c.Reason, c.Message)
	}
	return line
}

func serviceLine(s staxv1.ServiceStatus) string {
	line := fmt.Sprintf("service %s: %d/%d ready, health %s, %d restarts", s.Name, s.ReadyReplicas, s.DesiredReplicas, orDash(s.Health), s.Restarts)
	if s.Message != "" {
		line += ", " + s.Message
	}
	return line
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cutLines cuts each line of s to width-1 runes (width 0: unchanged).
func cutLines(s string, width int) string {
	if width <= 1 {
		return s
	}
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		text := strings.TrimSuffix(l, "\n")
		if r := []rune(text); len(r) > width-1 {
			lines[i] = string(r[:width-1]) + l[len(text):]
		}
	}
	return strings.Join(lines, "")
}
