// Package activity remembers when each environment was last named in an API
// request, so the idle timeout of auto-shutdown can tell use from neglect.
package activity

import (
	"net/http"
	"sync"
	"time"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/endpoints/request"
)

// Tracker records the last request that named an environment. It lives in
// memory: after a restart every environment counts as just used, which errs
// on the side of not stopping anything.
type Tracker struct {
	mu    sync.Mutex
	group string
	last  map[string]time.Time
	// used holds the requests' use not yet written (writes.go).
	used map[string]time.Time
	now  func() time.Time
}

// NewTracker tracks environments of the given API group.
func NewTracker(group string) *Tracker {
	return &Tracker{group: group, last: map[string]time.Time{}, used: map[string]time.Time{}, now: time.Now}
}

// Touch records use of namespace/name now.
func (t *Tracker) Touch(namespace, name string) {
	t.mu.Lock()
	t.last[namespace+"/"+name] = t.now()
	t.mu.Unlock()
}

// Last is when namespace/name was last used; the zero time if never.
func (t *Tracker) Last(namespace, name string) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last[namespace+"/"+name]
}

// Forget drops namespace/name, once the environment is gone.
func (t *Tracker) Forget(namespace, name string) {
	t.mu.Lock()
	delete(t.last, namespace+"/"+name)
	delete(t.used, namespace+"/"+name)
	t.mu.Unlock()
}

// Wrap records every authorized request that names an environment, except
// the server's own (its controllers must not keep environments awake) and
// lists and watches: they name one only through a field selector, and
// watching an environment is not using it.
func (t *Tracker) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if info, ok := request.RequestInfoFrom(ctx); ok && info.IsResourceRequest &&
			info.APIGroup == t.group && info.Resource == "environments" && info.Name != "" &&
			info.Verb != "list" && info.Verb != "watch" {
			if u, ok := request.UserFrom(ctx); !ok || u.GetName() != user.APIServerUser {
				t.use(info.Namespace, info.Name)
			}
		}
		next.ServeHTTP(w, r)
	})
}
