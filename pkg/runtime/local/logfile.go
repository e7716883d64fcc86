package local

import (
	"bytes"
	"os"
	"sync"
	"time"
)

// logFile is the capped, line-stamped output file of one replica. Every line
// starts with an RFC3339Nano time so that Logs can filter by age; when the
// file would pass max bytes it is renamed to path+".1" (dropping the previous
// one) and a new file is started.
type logFile struct {
	mu      sync.Mutex
	path    string
	max     int64
	f       *os.File
	size    int64
	partial []byte // output after the last newline, written on the next one
}

func openLogFile(path string, max int64) (*logFile, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &logFile{path: path, max: max, f: f, size: st.Size()}, nil
}

// Write stamps and writes every complete line of p. It never fails towards
// the process: a write error would only block the replica's output.
func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			// A process that never ends a line must not grow memory forever.
			if len(l.partial) >= 64<<10 {
				l.writeLine(l.partial)
				l.partial = l.partial[:0]
			}
			break
		}
		line := p[:i]
		if len(l.partial) > 0 {
			line = append(l.partial, line...)
			l.partial = l.partial[:0]
		}
		l.writeLine(line)
		p = p[i+1:]
	}
	return n, nil
}

// Flush writes an unterminated last line, e.g. when the process exits.
func (l *logFile) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.writeLine(l.partial)
		l.partial = l.partial[:0]
	}
}

func (l *logFile) writeLine(line []byte) {
	if l.f == nil {
		return
	}
	buf := make([]byte, 0, len(line)+40)
	buf = time.Now().UTC().AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, ' ')
	buf = append(buf, line...)
	buf = append(buf, '\n')
	if l.size > 0 && l.size+int64(len(buf)) > l.max {
		l.rotate()
	}
	if l.f == nil {
		return
	}
	n, _ := l.f.Write(buf)
	l.size += int64(n)
}

func (l *logFile) rotate() {
	l.f.Close()
	l.f = nil
	_ = os.Rename(l.path, l.path+".1")
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return
	}
	l.f, l.size = f, 0
}

func (l *logFile) Close() error {
	l.Flush()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
