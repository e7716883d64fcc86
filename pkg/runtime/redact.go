package runtime

import (
	"bytes"
	"io"
	"strings"
)

// Redacted replaces a secret value in logs.
const Redacted = "[redacted]"

// maxPendingLine is how much of a line without its newline Redact holds
// back before it lets the start of it through.
const maxPendingLine = 64 << 10

// Redact returns src with every occurrence of a value replaced by Redacted,
// a run of overlapping or adjacent occurrences by one. It works on lines, so
// a value split across reads is still found and a follower gets each line
// when its newline arrives; a value that holds newlines is hidden line by
// line. Empty values are ignored. With no value, src is returned as it is.
func Redact(src io.ReadCloser, values []string) io.ReadCloser {
	var pats [][]byte
	longest := 0
	seen := map[string]bool{}
	for _, v := range values {
		for _, line := range strings.Split(v, "\n") {
			line = strings.TrimSuffix(line, "\r")
			if line == "" || seen[line] {
				continue
			}
			seen[line] = true
			pats = append(pats, []byte(line))
			longest = max(longest, len(line))
		}
	}
	if len(pats) == 0 {
		return src
	}
	return &redactor{src: src, pats: pats, longest: longest, buf: make([]byte, 32<<10)}
}

type redactor struct {
	src     io.ReadCloser
	pats    [][]byte
	longest int
	buf     []byte
	pending []byte // read, not yet redacted: the end of a line
	out     []byte // redacted, not yet returned
	err     error  // of src, returned once pending and out are drained
}

func (r *redactor) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.err != nil {
			if len(r.pending) == 0 {
				return 0, r.err
			}
			r.out, r.pending = r.redact(r.pending), nil
			break
		}
		n, err := r.src.Read(r.buf)
		r.pending = append(r.pending, r.buf[:n]...)
		r.err = err
		r.release()
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// release moves the complete lines of pending to out, and of a line too
// long to wait for, all but what could be the start of a value.
func (r *redactor) release() {
	cut := bytes.LastIndexByte(r.pending, '\n') + 1
	if cut == 0 && len(r.pending) > maxPendingLine+r.longest {
		cut = len(r.pending) - (r.longest - 1)
		// Never cut through an occurrence: keep all of it pending.
		for _, span := range r.spans(r.pending) {
			if span[0] < cut && cut < span[1] {
				cut = span[0]
			}
		}
	}
	if cut == 0 {
		return
	}
	r.out = r.redact(r.pending[:cut])
	r.pending = append([]byte(nil), r.pending[cut:]...)
}

// spans are the [start, end) ranges b's occurrences cover, merged where
// they overlap or touch, in order.
func (r *redactor) spans(b []byte) [][2]int {
	covered := make([]bool, len(b)+1)
	for _, pat := range r.pats {
		for from := 0; ; {
			i := bytes.Index(b[from:], pat)
			if i < 0 {
				break
			}
			for j := from + i; j < from+i+len(pat); j++ {
				covered[j] = true
			}
			from += i + 1 // overlapping occurrences too
		}
	}
	var out [][2]int
	for i := 0; i < len(b); i++ {
		if !covered[i] {
			continue
		}
		start := i
		for covered[i] {
			i++
		}
		out = append(out, [2]int{start, i})
	}
	return out
}

func (r *redactor) redact(b []byte) []byte {
	spans := r.spans(b)
	if len(spans) == 0 {
		return append([]byte(nil), b...)
	}
	var out []byte
	last := 0
	for _, s := range spans {
		out = append(out, b[last:s[0]]...)
		out = append(out, Redacted...)
		last = s[1]
	}
	return append(out, b[last:]...)
}

func (r *redactor) Close() error { return r.src.Close() }
