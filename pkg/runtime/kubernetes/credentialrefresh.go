package kubernetes

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/microstax/stax/pkg/runtime"
)

// Annotations of a credential Secret (a stub service's, a shadow
// front's): when its token was issued and when it expires, RFC 3339. The
// refresh reads them, never the token.
const (
	AnnotationCredentialIssuedAt  = "stax.microstax.ai/credential-issued-at"
	AnnotationCredentialExpiresAt = "stax.microstax.ai/credential-expires-at"
)

var _ runtime.CredentialRefresher = (*Runtime)(nil)

func lifetimeAnnotations(c runtime.StubCredential) map[string]string {
	return map[string]string{
		AnnotationCredentialIssuedAt:  c.IssuedAt.UTC().Format(time.RFC3339),
		AnnotationCredentialExpiresAt: c.ExpiresAt.UTC().Format(time.RFC3339),
	}
}

// refreshDue is when a credential is minted again: half way through its
// lifetime. A pod reads its token when it starts (client-go reads the
// file again each minute); whenever it (re)starts, the Secret then holds
// a token with half a lifetime left, ample for the kubelet to bring the
// mount up to date. A Secret without readable times (written before they
// were recorded) is due at once.
func refreshDue(annotations map[string]string) time.Time {
	issued, err1 := time.Parse(time.RFC3339, annotations[AnnotationCredentialIssuedAt])
	expires, err2 := time.Parse(time.RFC3339, annotations[AnnotationCredentialExpiresAt])
	if err1 != nil || err2 != nil || !expires.After(issued) {
		return time.Time{}
	}
	return issued.Add(expires.Sub(issued) / 2)
}

// credentialSecret is one Secret of a token the runtime minted for the
// plan, and how Apply mints it.
type credentialSecret struct {
	ns, name string
	// ours says whether the Secret found is the plan's to refresh.
	ours func(*corev1.Secret) bool
	mint func() (*corev1ac.SecretApplyConfiguration, error)
}

// credentialSecrets are the plan's: each stub service's, and each shadow
// front's in the baseline's namespace. A runtime without StubAccess or
// DiffAccess has none of that kind (its plans with them are refused).
func (r *Runtime) credentialSecrets(ctx context.Context, plan runtime.Plan) []credentialSecret {
	ns := NamespaceName(plan.Organization, plan.Environment)
	anyOne := func(*corev1.Secret) bool { return true }
	var out []credentialSecret
	for _, s := range plan.Services {
		if s.Stub == nil || r.stubAccess == nil {
			continue
		}
		out = append(out, credentialSecret{ns: ns, name: stubSecretName(s.Name), ours: anyOne,
			mint: func() (*corev1ac.SecretApplyConfiguration, error) { return r.stubCredential(ctx, plan, s, ns) }})
	}
	if r.diffAccess == nil || plan.Baseline == nil {
		return out
	}
	baseNs := NamespaceName(plan.Organization, plan.Baseline.Environment)
	for _, t := range shadowTargets(plan, ns) {
		out = append(out, credentialSecret{ns: baseNs, name: shadowName(t.svc),
			// Another overlay's shadow of the service (this one's Apply
			// was refused) keeps its own credential.
			ours: func(s *corev1.Secret) bool { return s.Labels[LabelShadowOverlay] == labelValue(plan.Environment) },
			mint: func() (*corev1ac.SecretApplyConfiguration, error) { return r.diffCredential(ctx, plan, t.svc, baseNs) }})
	}
	return out
}

// RefreshCredentials implements runtime.CredentialRefresher: each of the
// plan's credential Secrets past half its token's lifetime gets a fresh
// one, as Apply writes it, in place: the pods that mount it are not
// restarted. A Secret not there yet is Apply's to write.
func (r *Runtime) RefreshCredentials(ctx context.Context, plan runtime.Plan) (time.Time, error) {
	var next time.Time
	for _, c := range r.credentialSecrets(ctx, plan) {
		cur, err := r.client.CoreV1().Secrets(c.ns).Get(ctx, c.name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return next, err
		}
		if !c.ours(cur) {
			continue
		}
		due := refreshDue(cur.Annotations)
		if !r.now().Before(due) {
			sec, err := c.mint()
			if err != nil {
				return next, err
			}
			if _, err := r.client.CoreV1().Secrets(c.ns).Apply(ctx, sec, applyOptions); err != nil {
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
