// Package compliance keeps the per-organization request counters the
// compliance report reads: how many of an organization's requests came with
// a token whose two signatures (ES256 and ML-DSA-65) verified, and how many of
// its mutating requests the audit backends recorded, matched by audit ID.
//
// Counts are coarse and bounded: one Bucket per organization and hour, with at
// most MaxSamples examples of what failed, batched in memory and added to etcd
// every flush (not one write per request). Keys expire with an etcd lease
// Retention after their hour.
package compliance

import (
	"time"
)

// Bounds of what is kept.
const (
	// BucketLength is the resolution of the counters.
	BucketLength = time.Hour
	// Retention is how long a bucket is kept; the report's window is at
	// most this.
	Retention = 31 * 24 * time.Hour
	// MaxSamples bounds each list of examples in one bucket.
	MaxSamples = 20
)

// Bucket is one organization's counts in one hour.
type Bucket struct {
	// Requests are the organization's requests (its token users'); DualSigned
	// those whose token's ES256 and ML-DSA-65 signatures both verified.
	Requests   int64 `json:"requests"`
	DualSigned int64 `json:"dualSigned"`
	// Mutating are its create, update, patch, delete and deletecollection
	// requests; Audited those an audit backend accepted an event of.
	Mutating int64 `json:"mutating"`
	Audited  int64 `json:"audited"`
	// SingleSigned are the latest tokens that came with one signature only.
	SingleSigned []TokenSample `json:"singleSigned,omitempty"`
	// Unaudited are the latest mutating requests without an audit event.
	Unaudited []RequestSample `json:"unaudited,omitempty"`
}

// TokenSample names a token that authenticated a request.
type TokenSample struct {
	TokenID string    `json:"tokenID"`
	Subject string    `json:"subject"`
	At      time.Time `json:"at"`
}

// RequestSample names a request by its audit ID.
type RequestSample struct {
	AuditID  string    `json:"auditID"`
	Verb     string    `json:"verb"`
	Resource string    `json:"resource"` // resource[/subresource]
	Name     string    `json:"name,omitempty"`
	User     string    `json:"user"`
	At       time.Time `json:"at"`
}

// Add adds o's counts to b and keeps the latest MaxSamples of each list
// (a token once).
func (b *Bucket) Add(o Bucket) {
	b.Requests += o.Requests
	b.DualSigned += o.DualSigned
	b.Mutating += o.Mutating
	b.Audited += o.Audited
	b.SingleSigned = latestTokens(append(b.SingleSigned, o.SingleSigned...), MaxSamples)
	b.Unaudited = latestRequests(append(b.Unaudited, o.Unaudited...), MaxSamples)
}

// IsZero says nothing was counted.
func (b *Bucket) IsZero() bool {
	return b.Requests == 0 && b.Mutating == 0 && len(b.SingleSigned) == 0 && len(b.Unaudited) == 0
}

// latestTokens keeps the newest sample of each token, at most n of them,
// oldest first.
func latestTokens(in []TokenSample, n int) []TokenSample {
	sortByTime(in, func(s TokenSample) time.Time { return s.At })
	seen := map[string]bool{}
	var out []TokenSample
	for i := len(in) - 1; i >= 0 && len(out) < n; i-- {
		if !seen[in[i].TokenID] {
			seen[in[i].TokenID] = true
			out = append(out, in[i])
		}
	}
	sortByTime(out, func(s TokenSample) time.Time { return s.At })
	return out
}

// latestRequests keeps the newest n samples, oldest first.
func latestRequests(in []RequestSample, n int) []RequestSample {
	sortByTime(in, func(s RequestSample) time.Time { return s.At })
	if len(in) > n {
		in = in[len(in)-n:]
	}
	return in
}

func sortByTime[T any](s []T, at func(T) time.Time) {
	// Insertion sort: the lists are short and mostly in order.
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && at(s[j]).Before(at(s[j-1])); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// HourOf is the start of t's bucket.
func HourOf(t time.Time) time.Time { return t.UTC().Truncate(BucketLength) }
