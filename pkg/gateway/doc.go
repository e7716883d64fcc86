// Package gateway serves the /v1 REST API of the MicroStax reference as a
// thin translation over the aggregated API: each route of the table in
// routes.go makes one call to stax-apiserver with the caller's own token and
// wraps the answer in the reference's envelope. The apiserver verifies
// tokens, authorizes and validates; the gateway adds the envelope,
// per-organization rate limits, WebSocket streams and the OpenAPI document.
package gateway
