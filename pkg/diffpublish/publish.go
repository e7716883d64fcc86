// Package diffpublish writes what a mirroring front's diff engine found
// (a pkg/diff.Report) into the overlay's EnvironmentDiff through the API,
// where environments/diffs reads it. It is the one conversion from
// diff.Report to the API's DiffReport, and the one place a report is cut
// to the bounds the server enforces (validation.MaxDiff*).
package diffpublish

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
	"github.com/microstax/stax/pkg/apis/stax/validation"
	"github.com/microstax/stax/pkg/diff"
	"github.com/microstax/stax/pkg/generated/clientset/versioned"
)

// Publish writes r into the EnvironmentDiff of the overlay in namespace
// named overlay whose uid is uid ("" for whichever overlay of the name
// there is now), creating it on the first call. The endpoints of r
// replace the stored ones of the same name and the others are kept, so
// the fronts of an overlay's several services share the one object;
// since and updated widen to cover both. A conflict (another front wrote
// first) is retried on the fresh object. A stored diff of an earlier
// overlay of the same name (its owner another uid) is replaced, not
// merged. An overlay of the name with another uid is not the one r is of:
// 404, as for none. The server refuses a diff of an environment that is
// not an overlay (422) or is being deleted (409), and one that names as
// owner an overlay the name no longer has (409): so between this check
// and the write, a recreated overlay is safe too.
func Publish(ctx context.Context, client versioned.Interface, namespace, overlay string, uid types.UID, r diff.Report) error {
	envs, diffs := client.StaxV1alpha1().Environments(namespace), client.StaxV1alpha1().EnvironmentDiffs(namespace)
	return onConflict(ctx, func() error {
		env, err := envs.Get(ctx, overlay, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if uid != "" && env.UID != uid {
			return gone(env, uid)
		}
		owner := []metav1.OwnerReference{{APIVersion: staxv1.SchemeGroupVersion.String(), Kind: "Environment", Name: env.Name, UID: env.UID}}
		current, err := diffs.Get(ctx, overlay, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			d := &staxv1.EnvironmentDiff{ObjectMeta: metav1.ObjectMeta{Name: overlay, Namespace: namespace, OwnerReferences: owner}, Report: Merge(nil, r)}
			_, err = diffs.Create(ctx, d, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				// Another front created it meanwhile: read it and merge.
				return apierrors.NewConflict(staxv1.Resource("environmentdiffs"), overlay, err)
			}
			return err
		}
		if err != nil {
			return err
		}
		old := &current.Report
		if !ownedBy(current, env.UID) {
			old = nil
		}
		current.OwnerReferences = owner
		current.Report = Merge(old, r)
		_, err = diffs.Update(ctx, current, metav1.UpdateOptions{})
		return err
	})
}

// gone is the 404 of publishing for the overlay of uid when env, of its
// name, is another.
func gone(env *staxv1.Environment, uid types.UID) error {
	resource := staxv1.Resource("environments")
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound,
		Details: &metav1.StatusDetails{Group: resource.Group, Kind: resource.Resource, Name: env.Name, UID: uid},
		Message: fmt.Sprintf("%s %q of uid %s not found: the environment of the name is uid %s", resource, env.Name, uid, env.UID),
	}}
}

// ownedBy says whether d belongs to the overlay of uid (the server makes
// the overlay its one owner).
func ownedBy(d *staxv1.EnvironmentDiff, uid types.UID) bool {
	for _, o := range d.OwnerReferences {
		if o.UID == uid {
			return true
		}
	}
	return false
}

// attempts bounds the tries of one Publish; fronts publish every few
// seconds, so a report that loses every race is published at the next.
const attempts = 5

// onConflict runs write until it succeeds, fails otherwise than with a
// conflict, or has been tried attempts times, waiting a little longer
// after each conflict.
func onConflict(ctx context.Context, write func() error) error {
	var err error
	for i := 1; i <= attempts; i++ {
		if err = write(); !apierrors.IsConflict(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(i) * 10 * time.Millisecond):
		}
	}
	return err
}

// Merge is the stored report old (nil for none) updated with r, cut to
// the server's bounds. An endpoint's lastSeen moves to r's updated time
// when its request count changed.
func Merge(old *staxv1.DiffReport, r diff.Report) staxv1.DiffReport {
	seen := metaTime(r.Updated)
	if seen == nil {
		now := metav1.NewTime(time.Now())
		seen = &now
	}
	stored := map[string]staxv1.EndpointDiff{}
	var out staxv1.DiffReport
	if old != nil {
		out.Since, out.Updated = old.Since, old.Updated
		for _, e := range old.Endpoints {
			stored[e.Endpoint] = e
		}
	}
	for _, e := range r.Endpoints {
		next := endpoint(e)
		if prev, ok := stored[next.Endpoint]; ok && prev.Requests == next.Requests {
			next.LastSeen = prev.LastSeen
		} else {
			next.LastSeen = seen.DeepCopy()
		}
		stored[next.Endpoint] = next
	}
	if t := metaTime(r.Since); t != nil && (out.Since == nil || t.Before(out.Since)) {
		out.Since = t
	}
	if t := metaTime(r.Updated); t != nil && (out.Updated == nil || out.Updated.Before(t)) {
		out.Updated = t
	}
	for _, e := range stored {
		out.Endpoints = append(out.Endpoints, e)
	}
	out.Endpoints = bound(out.Endpoints)
	return out
}

// endpoint converts one endpoint's report.
func endpoint(e diff.EndpointReport) staxv1.EndpointDiff {
	out := staxv1.EndpointDiff{Endpoint: cut(e.Endpoint, validation.MaxDiffNameLength), Requests: max(e.Requests, 0)}
	for _, f := range e.Fields {
		fd := staxv1.FieldDiff{
			Field: cut(f.Field, validation.MaxDiffNameLength), Kind: cut(f.Kind, validation.MaxDiffNameLength),
			Raw: clamp(f.Raw, out.Requests), Noise: clamp(f.Noise, out.Requests),
			RawRate: rate(f.RawRate), NoiseRate: rate(f.NoiseRate), Verdict: string(f.Verdict),
		}
		if fd.Verdict == "" {
			fd.Verdict = string(diff.VerdictEqual)
		}
		for _, ex := range f.Examples {
			fd.Examples = append(fd.Examples, staxv1.DiffExample{
				Request:   cut(ex.Request, validation.MaxDiffExampleLength),
				Primary:   cut(ex.Primary, validation.MaxDiffExampleLength),
				Candidate: cut(ex.Candidate, validation.MaxDiffExampleLength),
			})
		}
		out.Fields = append(out.Fields, fd)
	}
	return out
}

// bound cuts endpoints to the server's bounds, keeping what matters most:
// endpoints and fields with a Difference first, then Noise, then the rest;
// examples of differences before those of noise. The result is sorted by
// endpoint, as the engine sorts it.
func bound(endpoints []staxv1.EndpointDiff) []staxv1.EndpointDiff {
	sort.Slice(endpoints, func(i, j int) bool {
		ri, rj := endpointRank(endpoints[i]), endpointRank(endpoints[j])
		if ri != rj {
			return ri < rj
		}
		return endpoints[i].Endpoint < endpoints[j].Endpoint
	})
	if len(endpoints) > validation.MaxDiffEndpoints {
		endpoints = endpoints[:validation.MaxDiffEndpoints]
	}
	fields, examples := 0, 0
	for i := range endpoints {
		fs := endpoints[i].Fields
		sort.SliceStable(fs, func(a, b int) bool { return verdictRank(fs[a].Verdict) < verdictRank(fs[b].Verdict) })
		fs = fs[:min(len(fs), validation.MaxDiffFieldsPerEndpoint, validation.MaxDiffFields-fields)]
		fields += len(fs)
		for j := range fs {
			n := min(len(fs[j].Examples), validation.MaxDiffExamplesPerField, validation.MaxDiffExamples-examples)
			fs[j].Examples = fs[j].Examples[:n]
			if n == 0 {
				fs[j].Examples = nil
			}
			examples += n
		}
		if len(fs) == 0 {
			fs = nil
		}
		endpoints[i].Fields = fs
	}
	sort.Slice(endpoints, func(i, j int) bool { return endpoints[i].Endpoint < endpoints[j].Endpoint })
	return endpoints
}

func endpointRank(e staxv1.EndpointDiff) int {
	rank := verdictRank("")
	for _, f := range e.Fields {
		rank = min(rank, verdictRank(f.Verdict))
	}
	return rank
}

func verdictRank(v string) int {
	switch diff.Verdict(v) {
	case diff.VerdictDifference:
		return 0
	case diff.VerdictNoise:
		return 1
	}
	return 2
}

// rate is a rate as the API writes it: a decimal from 0 to 1, four places.
func rate(f float64) string {
	if math.IsNaN(f) || f < 0 {
		f = 0
	}
	return strconv.FormatFloat(min(f, 1), 'f', 4, 64)
}

func clamp(n, most int64) int64 { return min(max(n, 0), most) }

// cut shortens s to at most n bytes, at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func metaTime(t time.Time) *metav1.Time {
	if t.IsZero() {
		return nil
	}
	m := metav1.NewTime(t)
	return &m
}
