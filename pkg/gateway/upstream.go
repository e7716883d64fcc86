package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// groupPath is the root of the stax.microstax.ai API on the apiserver.
const groupPath = "/apis/stax.microstax.ai/v1alpha1"

var orgResource = schema.GroupResource{Group: "stax.microstax.ai", Resource: "organizations"}

// upstream calls stax-apiserver with a caller's token. Its client trusts
// the server's CA and presents no credentials of its own.
type upstream struct {
	base   string
	client *http.Client
}

// call is one request to the apiserver.
type call struct {
	method      string
	path        string
	query       url.Values
	body        []byte
	contentType string
}

// do sends c with the caller's token and request id and returns the
// response for the caller to read and close. A non-2xx answer is turned into
// the apiserver's Status error.
func (u *upstream) do(ctx context.Context, token, requestID string, c call) (*http.Response, error) {
	target := u.base + c.path
	if len(c.query) > 0 {
		target += "?" + c.query.Encode()
	}
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, target, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	// Audit-ID is honoured by the apiserver's audit filter, so the id a
	// client sees in meta.requestId is the auditID of the apiserver's log.
	req.Header.Set("Audit-ID", requestID)
	req.Header.Set("X-Request-Id", requestID)
	if c.body != nil {
		ct := c.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	resp, err := u.client.Do(req)
	if err != nil {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("the apiserver is unreachable: %v", err))
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, statusError(resp)
}

// json sends c and returns the decoded JSON answer.
func (u *upstream) json(ctx context.Context, token, requestID string, c call) (json.RawMessage, error) {
	resp, err := u.do(ctx, token, requestID, c)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("reading the apiserver's answer: %v", err))
	}
	return data, nil
}

// statusError reads the apiserver's metav1.Status from a failed answer, so
// its code, reason and causes reach the client unchanged.
func statusError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var st metav1.Status
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && json.Unmarshal(data, &st) == nil && st.Kind == "Status" {
		if st.Code == 0 {
			st.Code = int32(resp.StatusCode)
		}
		return &apierrors.StatusError{ErrStatus: st}
	}
	return apierrors.NewGenericServerResponse(resp.StatusCode, "", schema.GroupResource{Group: "stax.microstax.ai"}, "", strings.TrimSpace(string(data)), 0, false)
}
