package gateway

import (
	"context"
	"crypto/sha256"
	"net/http"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	staxv1 "github.com/microstax/stax/pkg/apis/stax/v1alpha1"
)

// verdict is what the apiserver said of a token.
type verdict struct {
	authenticated bool
	// bothSignatures: ES256 and ML-DSA-65 both verified.
	bothSignatures bool
	expires        time.Time
}

// verifier asks the apiserver (an IdentityReview created with the token
// itself) whether a token verified and which signatures did, and remembers
// the answer per token hash until the token expires. One review per token,
// not per request: the apiserver still verifies the token on every call it
// receives, so a revoked token is refused there.
type verifier struct {
	up      *upstream
	mu      sync.Mutex
	cache   map[[32]byte]verdict
	maxSize int
}

func newVerifier(up *upstream) *verifier {
	return &verifier{up: up, cache: map[[32]byte]verdict{}, maxSize: 10000}
}

// cached returns the remembered verdict of a token, if any.
func (v *verifier) cached(token string) (verdict, bool) {
	key := sha256.Sum256([]byte(token))
	v.mu.Lock()
	defer v.mu.Unlock()
	vd, ok := v.cache[key]
	if ok && time.Now().After(vd.expires) {
		delete(v.cache, key)
		return verdict{}, false
	}
	return vd, ok
}

// verify returns the verdict of token for org, asking the apiserver when
// it is not cached; ctx carries the caller. Refused tokens are not cached.
func (v *verifier) verify(ctx context.Context, token, org string) (verdict, error) {
	if vd, ok := v.cached(token); ok {
		return vd, nil
	}
	status, err := v.review(ctx, token, org)
	if err != nil {
		return verdict{}, err
	}
	if !status.Authenticated {
		return verdict{}, apierrors.NewUnauthorized("the bearer token did not verify")
	}
	vd := verdict{
		authenticated:  true,
		bothSignatures: status.Signatures.Classical && status.Signatures.PostQuantum,
		expires:        time.Now().Add(time.Minute),
	}
	if status.ExpirationTimestamp != nil {
		vd.expires = status.ExpirationTimestamp.Time
	}
	v.store(sha256.Sum256([]byte(token)), vd)
	return vd, nil
}

// review creates an IdentityReview of token; ctx carries the caller whose
// token it is.
func (v *verifier) review(ctx context.Context, token, org string) (*staxv1.IdentityReviewStatus, error) {
	in := &staxv1.IdentityReview{Spec: staxv1.IdentityReviewSpec{Token: token, Organization: org}}
	var out staxv1.IdentityReview
	if err := into(ctx, v.up.verb(http.MethodPost).Resource("identityreviews").Body(in), &out); err != nil {
		return nil, err
	}
	return &out.Status, nil
}

func (v *verifier) store(key [32]byte, vd verdict) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.cache) >= v.maxSize {
		now := time.Now()
		for k, old := range v.cache {
			if now.After(old.expires) {
				delete(v.cache, k)
			}
		}
		if len(v.cache) >= v.maxSize {
			clear(v.cache) // many live tokens: start over rather than grow
		}
	}
	v.cache[key] = vd
}
