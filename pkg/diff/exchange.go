package diff

import (
	"net/http"
	"time"
)

// Exchange is one mirrored request and the three answers to it.
type Exchange struct {
	// Time the primary was asked.
	Time time.Time
	// Method and Path (no query) of the request, Query its raw query.
	Method, Path, Query string
	// Header of the request as the primary saw it.
	Header http.Header
	// Body of the request, cut at the mirror's body limit.
	Body []byte

	Primary, Secondary, Candidate Response
}

// Response is what one instance answered; Err is set instead when it gave
// no answer (refused, reset, timed out), and then the rest is empty.
type Response struct {
	Status int
	Header http.Header
	// Body, cut at the mirror's body limit (Truncated says so).
	Body      []byte
	Truncated bool
	Err       string
	// Latency until the whole body was read.
	Latency time.Duration
}
