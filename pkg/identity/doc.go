// Package identity issues and verifies hybrid-signed tokens: a standard
// ES256 JWS whose protected header also carries an ML-DSA-65 signature
// ("pqsig") over the payload. Ordinary JWT libraries verify the ES256 part
// from the EC JWKS; hybrid verifiers also check the post-quantum proof from
// the separate AKP JWKS. The wire format is specified in docs/identity.md.
package identity
