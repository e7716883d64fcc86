package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

// Meta is the metadata of every JSON answer.
type Meta struct {
	RequestID         string `json:"requestId"`
	SignatureVerified bool   `json:"signatureVerified"`
	Timestamp         string `json:"timestamp"`
}

// Envelope is a successful answer.
type Envelope struct {
	Data json.RawMessage `json:"data"`
	Meta Meta            `json:"meta"`
}

// Error is a refused request: the Kubernetes Status of the apiserver (or of
// the gateway, for what it refuses itself), without its type fields.
type Error struct {
	Code    int32                 `json:"code"`
	Reason  metav1.StatusReason   `json:"reason"`
	Message string                `json:"message"`
	Details *metav1.StatusDetails `json:"details,omitempty"`
}

// ErrorEnvelope is the answer to a refused request.
type ErrorEnvelope struct {
	Error Error `json:"error"`
	Meta  Meta  `json:"meta"`
}

// newRequestID is "stx_" and 16 random bytes in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "stx_" + hex.EncodeToString(b[:])
}

// request is one request being served.
type request struct {
	w         http.ResponseWriter
	r         *http.Request
	requestID string
	status    int
	reason    string // of the Status of an error answer, for metrics

	token             string
	org               string
	signatureVerified bool
	quota             relayedQuota // the apiserver's RateLimit headers
}

// ctx is the request's context, carrying its caller to the apiserver
// calls made with it.
func (r *request) ctx() context.Context {
	return withCaller(r.r.Context(), caller{token: r.token, requestID: r.requestID, quota: &r.quota})
}

// name is the {id} of the request's path.
func (r *request) name() string { return r.r.PathValue("id") }

func (r *request) meta() Meta {
	return Meta{RequestID: r.requestID, SignatureVerified: r.signatureVerified, Timestamp: time.Now().UTC().Format(time.RFC3339)}
}

// writeData answers status with data in the envelope.
func (r *request) writeData(status int, data json.RawMessage) {
	if data == nil {
		data = json.RawMessage("null")
	}
	if r.r.URL.Query().Get("managedFields") != "true" {
		data = withoutManagedFields(data)
	}
	r.writeJSON(status, Envelope{Data: data, Meta: r.meta()})
}

// writeCreated answers a create with the created object and its Location:
// where the object is read back (collection + "/" + its name).
func (r *request) writeCreated(status int, collection string, data json.RawMessage) {
	var obj metav1.PartialObjectMetadata
	_ = json.Unmarshal(data, &obj)
	r.w.Header().Set("Location", collection+"/"+obj.Name)
	r.writeData(status, data)
}

// writeError answers with err's Status in the error envelope. Errors that
// are not API errors are internal: their text stays in the log.
func (r *request) writeError(err error) {
	var se apierrors.APIStatus
	var st metav1.Status
	if errors.As(err, &se) {
		st = se.Status()
	} else {
		klog.ErrorS(err, "Internal error", "requestId", r.requestID)
		st = apierrors.NewInternalError(errors.New("internal error")).Status()
	}
	if st.Code == 0 {
		st.Code = http.StatusInternalServerError
	}
	r.reason = string(st.Reason)
	if st.Code == http.StatusTooManyRequests && st.Details != nil && st.Details.RetryAfterSeconds > 0 && r.w.Header().Get("Retry-After") == "" {
		r.w.Header().Set("Retry-After", strconv.Itoa(int(st.Details.RetryAfterSeconds)))
	}
	r.writeJSON(int(st.Code), ErrorEnvelope{Error: Error{Code: st.Code, Reason: st.Reason, Message: st.Message, Details: st.Details}, Meta: r.meta()})
}

// writeValue answers v, encoded, as data.
func (r *request) writeValue(status int, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	r.writeData(status, data)
	return nil
}

// forward makes one apiserver call and answers its JSON as data.
func (r *request) forward(req *rest.Request, status int) error {
	data, err := raw(r.ctx(), req)
	if err != nil {
		return err
	}
	r.writeData(status, data)
	return nil
}

func (r *request) writeJSON(status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		klog.ErrorS(err, "Encoding an answer", "requestId", r.requestID)
		status, body = http.StatusInternalServerError, []byte(`{"error":{"code":500,"reason":"InternalError","message":"encoding the answer"}}`)
	}
	r.quota.copyTo(r.w.Header())
	r.w.Header().Set("Content-Type", "application/json")
	r.w.WriteHeader(status)
	r.status = status
	_, _ = r.w.Write(body)
}

// withoutManagedFields drops metadata.managedFields from every object of
// an answer, as kubectl leaves them out unless asked (they are about half
// of each Environment); ?managedFields=true keeps them.
func withoutManagedFields(data json.RawMessage) json.RawMessage {
	if !bytes.Contains(data, []byte(`"managedFields"`)) {
		return data
	}
	var v any
	if json.Unmarshal(data, &v) != nil {
		return data
	}
	dropManagedFields(v)
	out, err := json.Marshal(v)
	if err != nil {
		return data
	}
	return out
}

func dropManagedFields(v any) {
	switch v := v.(type) {
	case map[string]any:
		if meta, ok := v["metadata"].(map[string]any); ok {
			delete(meta, "managedFields")
		}
		for _, child := range v {
			dropManagedFields(child)
		}
	case []any:
		for _, child := range v {
			dropManagedFields(child)
		}
	}
}
