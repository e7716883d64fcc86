package local

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/microstax/stax/pkg/runtime"
)

// followPoll is how often Follow looks for new output.
const followPoll = 100 * time.Millisecond

// logSource is one replica's log file.
type logSource struct {
	label string // "<service>-<replica>"
	path  string
}

type logLine struct {
	at   time.Time
	text []byte // the stored line, with its time stamp and newline
	src  int
}

// Logs implements runtime.Runtime. Lines are returned as stored: an
// RFC3339Nano time stamp, a space, the output line. When the selection may
// span several replicas (no Service, or Replica -1) each line is prefixed
// with "<service>-<replica> ". Lines of several files are merged by time.
func (r *Runtime) Logs(ctx context.Context, org, env string, opts runtime.LogOptions) (io.ReadCloser, error) {
	if err := runtime.CheckNames(org, env); err != nil {
		return nil, err
	}
	dir := filepath.Join(r.cfg.DataDir, "logs", org, env)
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("logs of %s/%s: %w", org, env, runtime.ErrNotFound)
	}
	srcs, err := logSources(dir, opts)
	if err != nil {
		return nil, err
	}
	if opts.Service != "" && len(srcs) == 0 && !r.inPlan(org, env, opts.Service) {
		return nil, fmt.Errorf("logs of service %q: %w", opts.Service, runtime.ErrNotFound)
	}
	prefix := opts.Service == "" || opts.Replica < 0
	var since time.Time
	if opts.SinceSeconds != nil {
		since = time.Now().Add(-time.Duration(*opts.SinceSeconds) * time.Second)
	}
	var lines []logLine
	offsets := make([]int64, len(srcs))
	for i, s := range srcs {
		old, _ := os.ReadFile(s.path + ".1")
		cur, _ := os.ReadFile(s.path)
		cur = cur[:completeLines(cur)]
		offsets[i] = int64(len(cur))
		own := appendLines(nil, old[:completeLines(old)], i, since)
		own = appendLines(own, cur, i, since)
		// The tail is per replica, as kubectl logs --tail is per container.
		if n := opts.TailLines; n != nil && *n >= 0 && int64(len(own)) > *n {
			own = own[int64(len(own))-*n:]
		}
		lines = append(lines, own...)
	}
	sort.SliceStable(lines, func(a, b int) bool { return lines[a].at.Before(lines[b].at) })
	var buf bytes.Buffer
	for _, l := range lines {
		writeLine(&buf, l.text, srcs[l.src].label, prefix)
	}
	if !opts.Follow {
		return io.NopCloser(&buf), nil
	}
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	go func() {
		if buf.Len() > 0 {
			if _, err := pw.Write(buf.Bytes()); err != nil {
				return
			}
		}
		pw.CloseWithError(follow(ctx, pw, dir, opts, srcs, offsets, prefix))
	}()
	return &followReader{pr, cancel}, nil
}

// followReader ends its follower when closed, even while no output comes
// that would make the follower notice the closed pipe.
type followReader struct {
	*io.PipeReader
	stop context.CancelFunc
}

func (f *followReader) Close() error {
	f.stop()
	return f.PipeReader.Close()
}

// inPlan reports whether the environment's last plan has the service, which
// may have no log file yet (it waits for its dependencies, say).
func (r *Runtime) inPlan(org, env, svc string) bool {
	e, err := r.lookup(org, env, false)
	if err != nil {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, sp := range e.plan.Services {
		if sp.Name == svc {
			return true
		}
	}
	return false
}

// logSources lists the selected log files in service, replica order.
func logSources(dir string, opts runtime.LogOptions) ([]logSource, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []logSource
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".log")
		if !ok {
			continue
		}
		i := strings.LastIndexByte(name, '-')
		if i < 0 {
			continue
		}
		n, err := strconv.Atoi(name[i+1:])
		if err != nil {
			continue
		}
		if opts.Service != "" && name[:i] != opts.Service {
			continue
		}
		if opts.Service != "" && opts.Replica >= 0 && n != opts.Replica {
			continue
		}
		out = append(out, logSource{label: name, path: filepath.Join(dir, e.Name())})
	}
	return out, nil
}

func completeLines(b []byte) int { return bytes.LastIndexByte(b, '\n') + 1 }

func appendLines(out []logLine, b []byte, src int, since time.Time) []logLine {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b[:i+1]
		b = b[i+1:]
		at := lineTime(line)
		if !since.IsZero() && at.Before(since) {
			continue
		}
		out = append(out, logLine{at: at, text: line, src: src})
	}
	return out
}

func lineTime(line []byte) time.Time {
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, string(line[:sp]))
	return t
}

func writeLine(w *bytes.Buffer, line []byte, label string, prefix bool) {
	if prefix {
		w.WriteString(label)
		w.WriteByte(' ')
	}
	w.Write(line)
}

// follow polls the selected files for new complete lines until ctx ends or
// the reader goes away. A file found shorter than what was read was
// rotated: the rest of the old file (now ".1") is read first. Files that
// appear later (a new replica) are picked up too.
func follow(ctx context.Context, w io.Writer, dir string, opts runtime.LogOptions,
	srcs []logSource, offsets []int64, prefix bool) error {
	known := map[string]int{}
	for i, s := range srcs {
		known[s.path] = i
	}
	t := time.NewTicker(followPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if more, err := logSources(dir, opts); err == nil {
			for _, s := range more {
				if _, ok := known[s.path]; !ok {
					known[s.path] = len(srcs)
					srcs = append(srcs, s)
					offsets = append(offsets, 0)
				}
			}
		}
		var buf bytes.Buffer
		for i, s := range srcs {
			st, err := os.Stat(s.path)
			if err != nil {
				continue
			}
			if st.Size() < offsets[i] {
				offsets[i] = readFrom(&buf, s.path+".1", offsets[i], s.label, prefix)
				offsets[i] = 0
			}
			offsets[i] = readFrom(&buf, s.path, offsets[i], s.label, prefix)
		}
		if buf.Len() > 0 {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return nil // the reader closed
			}
		}
	}
}

// readFrom copies the complete lines of path after off into buf and
// returns the offset after them.
func readFrom(buf *bytes.Buffer, path string, off int64, label string, prefix bool) int64 {
	f, err := os.Open(path)
	if err != nil {
		return off
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, off, 1<<40))
	if err != nil {
		return off
	}
	n := completeLines(b)
	for b = b[:n]; len(b) > 0; {
		i := bytes.IndexByte(b, '\n')
		writeLine(buf, b[:i+1], label, prefix)
		b = b[i+1:]
	}
	return off + int64(n)
}
