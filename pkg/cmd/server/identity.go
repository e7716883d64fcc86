package server

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/klog/v2"

	"github.com/microstax/stax/pkg/apiserver"
	"github.com/microstax/stax/pkg/identity"
)

// Verification policies of --token-verification-policy.
const (
	PolicyHybrid           = "hybrid"
	PolicyClassicalAllowed = "classical-allowed"
)

// IdentityOptions configure hybrid-signed tokens: who issues them, for whom,
// where the keys live and how strictly they are verified.
type IdentityOptions struct {
	Issuer         string
	Audience       string
	Policy         string
	KeysDir        string
	CacheSize      int
	RotationPeriod time.Duration
}

// NewIdentityOptions returns the defaults.
func NewIdentityOptions() *IdentityOptions {
	return &IdentityOptions{
		Issuer:         "https://stax-apiserver.microstax.svc",
		Audience:       "stax.microstax.ai",
		Policy:         PolicyHybrid,
		CacheSize:      4096,
		RotationPeriod: 24 * time.Hour,
	}
}

// AddFlags registers the identity flags.
func (o *IdentityOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Issuer, "token-issuer", o.Issuer, "iss of the tokens this server issues and accepts.")
	fs.StringVar(&o.Audience, "token-audience", o.Audience, "aud a token must carry to authenticate to this server.")
	fs.StringVar(&o.Policy, "token-verification-policy", o.Policy, "hybrid: a token needs both its ES256 and its "+
		"ML-DSA-65 signature; classical-allowed: a valid ES256 token without its ML-DSA proof is accepted and "+
		"marked not post-quantum verified (for migration).")
	fs.StringVar(&o.KeysDir, "token-keys-dir", o.KeysDir, "Directory of the signing key pairs. Defaults to <data-dir>/identity.")
	fs.IntVar(&o.CacheSize, "token-cache-size", o.CacheSize, "Verified tokens remembered (revocation is still "+
		"checked on every request); 0 verifies every request from scratch.")
	fs.DurationVar(&o.RotationPeriod, "token-key-rotation-period", o.RotationPeriod, "How long a key pair signs before the next one takes over.")
}

// Validate reports wrong identity options.
func (o *IdentityOptions) Validate() []string {
	var errs []string
	if o.Policy != PolicyHybrid && o.Policy != PolicyClassicalAllowed {
		errs = append(errs, fmt.Sprintf("--token-verification-policy must be %q or %q", PolicyHybrid, PolicyClassicalAllowed))
	}
	if o.Issuer == "" || o.Audience == "" {
		errs = append(errs, "--token-issuer and --token-audience are required")
	}
	if o.CacheSize < 0 {
		errs = append(errs, "--token-cache-size must not be negative")
	}
	if o.RotationPeriod < time.Hour {
		errs = append(errs, "--token-key-rotation-period must be at least 1h")
	}
	return errs
}

func (o *IdentityOptions) complete(dataDir string) {
	if o.KeysDir == "" {
		o.KeysDir = filepath.Join(dataDir, "identity")
	}
}

// openKeys opens (or creates) the persisted key set.
func (o *IdentityOptions) openKeys() (*identity.KeySet, error) {
	keys, err := identity.OpenKeySet(o.KeysDir, time.Now(), identity.KeySetConfig{})
	if err != nil {
		return nil, fmt.Errorf("opening token keys in %s: %w", o.KeysDir, err)
	}
	return keys, nil
}

// build makes the issuer, verifier and revoker the server serves with, on
// the shared key set when there is shared state.
func (o *IdentityOptions) build(shared *sharedState) (*apiserver.Identity, error) {
	open := o.openKeys
	if shared != nil {
		open = func() (*identity.KeySet, error) { return shared.openKeys(o.KeysDir) }
	}
	keys, err := open()
	if err != nil {
		return nil, err
	}
	issuer, err := identity.NewIssuer(keys, identity.IssuerConfig{Issuer: o.Issuer})
	if err != nil {
		return nil, err
	}
	policy := identity.PolicyHybrid
	if o.Policy == PolicyClassicalAllowed {
		policy = identity.PolicyClassicalAllowed
	}
	revoker := identity.NewMemoryRevoker(time.Now)
	verifier, err := identity.NewVerifier(keys, identity.VerifierConfig{
		Issuer: o.Issuer, Audience: o.Audience, Policy: policy, Revoker: revoker, CacheSize: o.CacheSize,
	})
	if err != nil {
		return nil, err
	}
	return &apiserver.Identity{Keys: keys, Issuer: issuer, Verifier: verifier, Revoker: revoker,
		IssuerURL: o.Issuer, Audience: o.Audience}, nil
}

// rotateKeys hands signing to the next pair once the current one has signed
// for the rotation period. It runs until ctx ends.
func (o *IdentityOptions) rotateKeys(ctx context.Context, keys *identity.KeySet) {
	ticker := time.NewTicker(time.Minute)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			if now.Sub(keys.Current().NotBefore()) < o.RotationPeriod {
				continue
			}
			switch err := keys.Rotate(now); {
			case err == nil:
				klog.InfoS("Rotated token signing keys", "kid", keys.Current().ECKeyID())
			case errors.Is(err, identity.ErrRotateTooEarly):
			default:
				klog.ErrorS(err, "Rotating token signing keys")
			}
		}
	}
}
