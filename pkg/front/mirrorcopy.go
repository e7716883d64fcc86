package front

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/microstax/stax/pkg/diff"
)

// MirrorLimits bound what mirroring may cost a front; zero fields take
// the defaults. Memory is bounded by about (Queue + 2*Workers) * 2 * MaxBody.
type MirrorLimits struct {
	// Workers send the copies (4); Queue is how many mirrored requests may
	// wait for a worker (64): more are dropped and counted.
	Workers, Queue int
	// Timeout of a copy, to the last byte of its answer (2s).
	Timeout time.Duration
	// MaxBody bounds a request body (a larger one is not mirrored) and
	// what is kept of each answer (the rest is cut, Truncated) (128 KiB).
	MaxBody int
}

func (l MirrorLimits) withDefaults() MirrorLimits {
	if l.Workers <= 0 {
		l.Workers = 4
	}
	if l.Queue <= 0 {
		l.Queue = 64
	}
	if l.Timeout <= 0 {
		l.Timeout = 2 * time.Second
	}
	if l.MaxBody <= 0 {
		l.MaxBody = 128 << 10
	}
	return l
}

// mirror is a front's mirroring machinery, started on the first mirrored
// request.
type mirror struct {
	once    sync.Once
	limits  MirrorLimits
	queue   chan *mirrorJob
	ctx     context.Context
	stop    context.CancelFunc
	workers sync.WaitGroup
	// copies has its own connections: a copy never waits for, nor takes,
	// a connection of the primary's.
	copies *http.Transport
}

func newMirror() *mirror {
	ctx, stop := context.WithCancel(context.Background())
	return &mirror{ctx: ctx, stop: stop, copies: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}}
}

// mirrorJob is one mirrored request for one mirror, the primary answered.
type mirrorJob struct {
	m      *Mirror
	ex     diff.Exchange
	uri    string      // as the request had it
	host   string      // the request's Host
	header http.Header // to send, with its credentials
}

// serveMirrored is the pipeline's forward for a request some mirrors
// sampled: the primary answers the caller through captures, and then the
// request goes on the queue for each mirror.
func (f *Front) serveMirrored(w http.ResponseWriter, r *http.Request, ms []*Mirror) {
	f.mirror.once.Do(f.startMirroring)
	lim := f.mirror.limits
	if r.ContentLength > int64(lim.MaxBody) {
		for _, m := range ms {
			m.count(f.Name, droppedBodyTooLarge, 0)
		}
		f.proxy.ServeHTTP(w, r)
		return
	}
	var body *captureBody
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		body = &captureBody{rc: r.Body, max: lim.MaxBody}
		r.Body = body
	}
	cw := &captureWriter{w: w, max: lim.MaxBody}
	start := time.Now()
	f.proxy.ServeHTTP(cw, r)
	latency := time.Since(start)

	drop := mirrorEvent(-1)
	var reqBody []byte
	if body != nil {
		var over, unread bool
		reqBody, over, unread = body.result()
		switch {
		case over:
			drop = droppedBodyTooLarge
		case unread:
			drop = droppedBodyUnread
		}
	}
	if cw.failed || cw.status == 0 {
		drop = droppedPrimaryFailed
	}
	if drop >= 0 {
		for _, m := range ms {
			m.count(f.Name, drop, 0)
		}
		return
	}
	ex := diff.Exchange{Time: start, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Header: withoutCredentials(r.Header), Body: reqBody,
		Primary: diff.Response{Status: cw.status, Header: cw.header, Body: cw.body, Truncated: cw.truncated, Latency: latency}}
	header := copyHeader(r.Header)
	for _, m := range ms {
		j := &mirrorJob{m: m, ex: ex, uri: r.URL.RequestURI(), host: r.Host, header: header}
		select {
		case f.mirror.queue <- j:
		default:
			m.count(f.Name, droppedQueueFull, 0)
		}
	}
}

// mirrorPoll is how often an idle worker looks at the queue. Workers
// poll rather than wait on it: a handler that hands a job to a waiting
// worker wakes it, and pays for that wake-up (a thread woken, on a busy
// machine tens of microseconds) on the primary's path. A send into the
// buffer with no one waiting costs nanoseconds. A worker that takes a job
// and sees more waiting wakes another idle one at once (wake), so that a
// burst has every worker, not one more per tick.
const mirrorPoll = 5 * time.Millisecond

func (f *Front) startMirroring() {
	mr := f.mirror
	mr.limits = f.MirrorLimits.withDefaults()
	mr.queue = make(chan *mirrorJob, mr.limits.Queue)
	// One ticker for all: each tick wakes one idle worker, which drains
	// the queue and calls in the others while jobs wait.
	tick := time.NewTicker(mirrorPoll)
	wake := make(chan struct{}, 1)
	for range mr.limits.Workers {
		mr.workers.Go(func() {
			for {
				select {
				case <-mr.ctx.Done():
					return
				case <-tick.C:
				case <-wake:
				}
				for drained := false; !drained && mr.ctx.Err() == nil; {
					select {
					case j := <-mr.queue:
						if len(mr.queue) > 0 {
							select {
							case wake <- struct{}{}:
							default: // a wake-up is pending already
							}
						}
						f.copy(j)
					default:
						drained = true
					}
				}
			}
		})
	}
	go func() {
		<-mr.ctx.Done()
		tick.Stop()
	}()
}

// copy sends j to the secondary and the candidate at once and hands the
// exchange to the sink, unless the front closed meanwhile.
func (f *Front) copy(j *mirrorJob) {
	ctx, cancel := context.WithTimeout(f.mirror.ctx, f.mirror.limits.Timeout)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { j.ex.Secondary = f.send(ctx, j, secondary) })
	j.ex.Candidate = f.send(ctx, j, candidate)
	wg.Wait()
	if f.mirror.ctx.Err() != nil {
		return
	}
	j.m.count(f.Name, mirrored, 0)
	if j.m.Sink != nil {
		j.m.Sink(j.ex)
	}
}

// send is one copy of j to the target's next ready replica, its answer
// read up to the bound.
func (f *Front) send(ctx context.Context, j *mirrorJob, target int) diff.Response {
	backends, next := j.m.Secondary, &j.m.nextSecondary
	if target == candidate {
		backends, next = j.m.Candidate, &j.m.nextCandidate
	}
	var addrs []string
	if backends != nil {
		addrs = backends()
	}
	if len(addrs) == 0 {
		j.m.count(f.Name, failed, target)
		return diff.Response{Err: "no ready replica"}
	}
	addr := addrs[next.Add(1)%uint64(len(addrs))]
	start := time.Now()
	resp, err := f.roundTrip(ctx, j, addr, target)
	if err != nil {
		if f.mirror.ctx.Err() != nil {
			return diff.Response{Err: "front closed"} // not the target's doing
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			j.m.count(f.Name, timedOut, target)
			return diff.Response{Err: "timed out after " + f.mirror.limits.Timeout.String(), Latency: time.Since(start)}
		}
		j.m.count(f.Name, failed, target)
		return diff.Response{Err: err.Error(), Latency: time.Since(start)}
	}
	return resp
}

func (f *Front) roundTrip(ctx context.Context, j *mirrorJob, addr string, target int) (diff.Response, error) {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, j.ex.Method, "http://"+addr+j.uri, bytes.NewReader(j.ex.Body))
	if err != nil {
		return diff.Response{}, err
	}
	req.Host = j.host
	req.Header = j.header.Clone()
	req.Header.Set(HeaderShadow, j.m.overlay)
	if target == candidate {
		// The candidate's own calls reach the overlay's versions.
		req.Header.Set(HeaderOverlay, j.m.overlay)
	}
	resp, err := f.mirror.copies.RoundTrip(req)
	if err != nil {
		return diff.Response{}, err
	}
	defer resp.Body.Close()
	max := f.mirror.limits.MaxBody
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(max)+1))
	if err != nil {
		return diff.Response{}, err
	}
	out := diff.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	if len(b) > max {
		out.Body, out.Truncated = b[:max], true
	}
	out.Latency = time.Since(start)
	return out, nil
}

// Close ends mirroring (copies under way are abandoned, queued ones
// dropped) and drops idle connections. The front may still serve, without
// mirroring.
func (f *Front) Close() {
	// Consuming the once keeps the workers from starting after this.
	f.mirror.once.Do(func() {})
	f.mirror.stop()
	f.mirror.workers.Wait()
	f.mirror.copies.CloseIdleConnections()
	f.CloseIdle()
}

// hopHeaders are the connection's, not the request's (RFC 9110, 7.6.1).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// copyHeader is h to send again, without its hop-by-hop headers.
func copyHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, c := range h.Values("Connection") {
		for _, name := range strings.Split(c, ",") {
			out.Del(strings.TrimSpace(name))
		}
	}
	for _, name := range hopHeaders {
		out.Del(name)
	}
	return out
}

// credentialHeaders stay out of an Exchange, which is published; the
// copies carry them, as they must.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie"}

func withoutCredentials(h http.Header) http.Header {
	out := copyHeader(h)
	for _, name := range credentialHeaders {
		out.Del(name)
	}
	return out
}
