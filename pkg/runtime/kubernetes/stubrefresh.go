package kubernetes

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/microstax/stax/pkg/runtime"
)

// Annotations of a stub credential Secret: when its token was issued and
// when it expires, RFC 3339. The refresh reads them, never the token.
const (
	AnnotationStubIssuedAt  = "stax.microstax.ai/stub-credential-issued-at"
	AnnotationStubExpiresAt = "stax.microstax.ai/stub-credential-expires-at"
)

var _ runtime.StubCredentialRefresher = (*Runtime)(nil)

func lifetimeAnnotations(c runtime.StubCredential) map[string]string {
	return map[string]string{
		AnnotationStubIssuedAt:  c.IssuedAt.UTC().Format(time.RFC3339),
		AnnotationStubExpiresAt: c.ExpiresAt.UTC().Format(time.RFC3339),
	}
}

// refreshDue is when a credential is minted again: half way through its
// lifetime. A stub pod reads its token when stax-stub starts (client-go
// reads the file again each minute); whenever it (re)starts, the Secret
// then holds a token with half a lifetime left, ample for the kubelet to
// bring the mount up to date. A Secret without readable times (written
// before they were recorded) is due at once.
func refreshDue(annotations map[string]string) time.Time {
	issued, err1 := time.Parse(time.RFC3339, annotations[AnnotationStubIssuedAt])
	expires, err2 := time.Parse(time.RFC3339, annotations[AnnotationStubExpiresAt])
	if err1 != nil || err2 != nil || !expires.After(issued) {
		return time.Time{}
	}
	return issued.Add(expires.Sub(issued) / 2)
}

// RefreshStubCredentials implements runtime.StubCredentialRefresher: each
// stub service's Secret past half its token's lifetime gets a fresh one,
// as Apply writes it. A Secret not there yet is Apply's to write; a
// runtime without StubAccess has none to refresh (its plans with stubs are
// refused).
func (r *Runtime) RefreshStubCredentials(ctx context.Context, plan runtime.Plan) (time.Time, error) {
	if r.stubAccess == nil {
		return time.Time{}, nil
	}
	ns := NamespaceName(plan.Organization, plan.Environment)
	var next time.Time
	for _, s := range plan.Services {
		if s.Stub == nil {
			continue
		}
		cur, err := r.client.CoreV1().Secrets(ns).Get(ctx, stubSecretName(s.Name), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return next, err
		}
		due := refreshDue(cur.Annotations)
		if !r.now().Before(due) {
			sec, err := r.stubCredential(ctx, plan, s, ns)
			if err != nil {
				return next, err
			}
			if _, err := r.client.CoreV1().Secrets(ns).Apply(ctx, sec, applyOptions); err != nil {
				return next, err
			}
			due = refreshDue(sec.Annotations)
		}
		if next.IsZero() || due.Before(next) {
			next = due
		}
	}
	return next, nil
}
