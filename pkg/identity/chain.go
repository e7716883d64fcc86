package identity

import (
	"errors"
	"fmt"
)

// MaxChainDepth is how many tokens a token may descend from: a root token
// may mint a child, the child a grandchild, and the grandchild nothing.
// Bounding it bounds the token's size and the revocation checks per request.
const MaxChainDepth = 2

// ErrChainTooDeep is returned for a token that would descend from more than
// MaxChainDepth tokens.
var ErrChainTooDeep = fmt.Errorf("identity: a token may descend from at most %d tokens (delegation depth limit)", MaxChainDepth)

// ChildChain is the "chain" claim of a token minted from a token with this
// chain and jti: its ancestors' jtis, root first.
func ChildChain(parentChain []string, parentID string) ([]string, error) {
	if parentID == "" {
		return nil, errors.New("identity: a parent token has a jti")
	}
	chain := append(append([]string(nil), parentChain...), parentID)
	if err := checkChain(chain); err != nil {
		return nil, err
	}
	return chain, nil
}

// checkChain is the rule both the issuer and the verifier apply.
func checkChain(chain []string) error {
	if len(chain) > MaxChainDepth {
		return ErrChainTooDeep
	}
	for _, id := range chain {
		if id == "" {
			return errors.New("identity: empty jti in chain")
		}
	}
	return nil
}
