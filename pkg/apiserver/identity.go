package apiserver

import (
	"encoding/json"
	"net/http"

	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/apiserver/pkg/server/mux"
	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/auth"
	"github.com/microstax/stax/pkg/identity"
)

// Identity is what the server needs to issue and verify hybrid tokens.
type Identity struct {
	Keys      *identity.KeySet
	Issuer    *identity.Issuer
	Verifier  *identity.Verifier
	Revoker   identity.Revoker
	IssuerURL string
	Audience  string
}

// Paths of the identity documents, served without authentication.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/openid/v1/jwks"
	AKPJWKSPath   = "/openid/v1/jwks-akp"
	// TokenReviewPath is the TokenReview webhook kube-apiserver calls to
	// authenticate hybrid tokens, since it strips Authorization before it
	// proxies to us.
	TokenReviewPath = "/authenticate"
)

// PublicPaths are the paths every client may read without credentials.
var PublicPaths = []string{DiscoveryPath, JWKSPath, AKPJWKSPath}

func installIdentityEndpoints(m *mux.PathRecorderMux, id *Identity) {
	m.HandleFunc(DiscoveryPath, func(w http.ResponseWriter, r *http.Request) {
		doc, err := identity.OIDCDiscovery(id.IssuerURL, id.IssuerURL+JWKSPath, id.IssuerURL+AKPJWKSPath)
		writeJSON(w, doc, err)
	})
	m.HandleFunc(JWKSPath, func(w http.ResponseWriter, r *http.Request) {
		doc, err := id.Keys.ECJWKS()
		writeJSON(w, doc, err)
	})
	m.HandleFunc(AKPJWKSPath, func(w http.ResponseWriter, r *http.Request) {
		doc, err := id.Keys.AKPJWKS()
		writeJSON(w, doc, err)
	})
	m.HandleFunc(TokenReviewPath, func(w http.ResponseWriter, r *http.Request) {
		serveTokenReview(w, r, id.Verifier)
	})
}

// serveTokenReview answers an authentication.k8s.io/v1 TokenReview with the
// same verification and user mapping as our own token authenticator.
func serveTokenReview(w http.ResponseWriter, r *http.Request, v *identity.Verifier) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a TokenReview", http.StatusMethodNotAllowed)
		return
	}
	var review authenticationv1.TokenReview
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&review); err != nil {
		http.Error(w, "body is not a TokenReview", http.StatusBadRequest)
		return
	}
	review.APIVersion, review.Kind = "authentication.k8s.io/v1", "TokenReview"
	review.Status = authenticationv1.TokenReviewStatus{}
	res, err := v.Verify(review.Spec.Token)
	if err != nil {
		review.Status.Error = "invalid token"
	} else {
		u := auth.UserFor(res)
		extra := map[string]authenticationv1.ExtraValue{}
		for k, vals := range u.GetExtra() {
			extra[k] = vals
		}
		// kube-apiserver asks on behalf of its own audiences and drops an
		// answer that shares none. It is the front door of this API, so a
		// token valid here is vouched for the audiences it asks about.
		audiences := res.Audience
		if len(review.Spec.Audiences) > 0 {
			audiences = review.Spec.Audiences
		}
		review.Status = authenticationv1.TokenReviewStatus{
			Authenticated: true,
			User:          authenticationv1.UserInfo{Username: u.GetName(), Groups: u.GetGroups(), Extra: extra},
			Audiences:     audiences,
		}
	}
	data, err := json.Marshal(&review)
	writeJSON(w, data, err)
}

func writeJSON(w http.ResponseWriter, data []byte, err error) {
	if err != nil {
		klog.ErrorS(err, "Serving an identity document")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}
