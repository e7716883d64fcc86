package gateway

import (
	"net/http"
	"strconv"
	"time"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

// What the gateway answered, on the legacy registry (stax-gateway serves it
// on --metrics-bind-address). Routes are their patterns ("GET
// /v1/environments/{id}"), never the paths asked, so the series stay few.
var (
	requestsTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace:      "stax",
		Subsystem:      "gateway",
		Name:           "requests_total",
		Help:           "Requests the /v1 gateway answered, by route pattern (unmatched: none matched) and HTTP status code.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"route", "code"})
	requestDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace:      "stax",
		Subsystem:      "gateway",
		Name:           "request_duration_seconds",
		Help:           "How long the /v1 gateway took to answer, by route pattern; streams (logs, watches) last as long as they stay open.",
		Buckets:        []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		StabilityLevel: metrics.ALPHA,
	}, []string{"route"})
	refusalsTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "stax",
		Subsystem: "gateway",
		Name:      "refusals_total",
		Help: "Requests the /v1 gateway refused (a 4xx answer), by the reason of its Status: TooManyRequests (rate limits), " +
			"RequestEntityTooLarge (body over 1 MiB), Unauthorized, Forbidden, BadRequest, Invalid, NotFound, ...; " +
			"the gateway's own refusals and the apiserver's it relays alike.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"reason"})
)

func init() {
	legacyregistry.MustRegister(requestsTotal, requestDuration, refusalsTotal)
}

// unmatchedRoute labels requests no route matched (404, 405).
const unmatchedRoute = "unmatched"

// observe counts r, answered for route after it started at start.
func observe(route string, r *request, start time.Time) {
	code := "none" // a stream whose connection was taken over (WebSocket)
	if r.status != 0 {
		code = strconv.Itoa(r.status)
	}
	requestsTotal.WithLabelValues(route, code).Inc()
	requestDuration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	if r.status >= http.StatusBadRequest && r.status < http.StatusInternalServerError {
		reason := r.reason
		if reason == "" {
			reason = "Unknown"
		}
		refusalsTotal.WithLabelValues(reason).Inc()
	}
}
