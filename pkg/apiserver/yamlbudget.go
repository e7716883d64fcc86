package apiserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"

	"github.com/microstax/stax/pkg/yamlbudget"
)

// limitYAMLExpansion refuses a YAML request body whose aliases expand past
// budget bytes, before any handler decodes it. It sits in the handler chain
// rather than the codec factory because the apply-patch handler decodes
// application/apply-patch+yaml itself. The body, read up to maxBody as the
// handlers would, is handed on re-readable.
func limitYAMLExpansion(next http.Handler, budget, maxBody int64, s runtime.NegotiatedSerializer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || !yamlbudget.IsYAML(r.Header.Get("Content-Type")) {
			next.ServeHTTP(w, r)
			return
		}
		data, err := readAtMost(r.Body, maxBody)
		if err == nil {
			err = yamlbudget.Check(data, budget)
		}
		var tooBig *yamlbudget.TooLargeError
		switch {
		case errors.As(err, &tooBig), errors.Is(err, errBodyTooLarge):
			responsewriters.ErrorNegotiated(apierrors.NewRequestEntityTooLargeError(err.Error()), s, schema.GroupVersion{}, w, r)
			return
		case err != nil:
			// Refused here, not passed on: a body this parser cannot read
			// has not been measured.
			responsewriters.ErrorNegotiated(apierrors.NewBadRequest("the body is not YAML: "+err.Error()), s, schema.GroupVersion{}, w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
		next.ServeHTTP(w, r)
	})
}

var errBodyTooLarge = errors.New("the request body is too large")

// readAtMost reads and closes body, or fails once it passes limit bytes.
func readAtMost(body io.ReadCloser, limit int64) ([]byte, error) {
	defer body.Close()
	if limit <= 0 { // no limit configured, as the handlers read it
		return io.ReadAll(body)
	}
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: limit is %d", errBodyTooLarge, limit)
	}
	return data, nil
}
