package front

import (
	"io"
	"net/http"
	"sync"
)

// captureBody keeps a copy of the first max bytes of a request body as
// the primary reads it, so a sampled request streams as any other.
type captureBody struct {
	rc  io.ReadCloser
	max int

	// The transport may still be reading while the handler has returned:
	// what the mirror step reads afterwards is guarded.
	mu   sync.Mutex
	buf  []byte
	over bool // more than max bytes
	eof  bool // read whole
}

func (c *captureBody) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.mu.Lock()
	if !c.over {
		if len(c.buf)+n > c.max {
			c.over, c.buf = true, nil
		} else {
			c.buf = append(c.buf, p[:n]...)
		}
	}
	if err == io.EOF {
		c.eof = true
	}
	c.mu.Unlock()
	return n, err
}

func (c *captureBody) Close() error { return c.rc.Close() }

// result is the body if it was read whole within the bound.
func (c *captureBody) result() (body []byte, over, unread bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf, c.over, !c.eof
}

// captureWriter passes the primary's answer to the caller as it comes
// (every write and flush goes straight through) and keeps its status,
// header and first max bytes.
type captureWriter struct {
	w   http.ResponseWriter
	max int

	status    int
	header    http.Header
	body      []byte
	truncated bool
	failed    bool // the proxy's ErrorHandler answered: no backend did
}

func (c *captureWriter) Header() http.Header { return c.w.Header() }

func (c *captureWriter) WriteHeader(code int) {
	// 1xx answers but 101 are informational: the final status follows.
	if c.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		c.status = code
		c.header = c.w.Header().Clone()
		// The front's own header is no answer of the service's.
		c.header.Del(HeaderRoute)
	}
	c.w.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	keep := max(0, min(len(b), c.max-len(c.body)))
	c.body = append(c.body, b[:keep]...)
	if keep < len(b) {
		c.truncated = true
	}
	return c.w.Write(b)
}

// Unwrap lets http.ResponseController (the proxy's flushes) reach the
// caller's writer.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.w }
