package identity

import "errors"

// ErrInvalidToken is the only error a verifier hands back for a refused
// token. It deliberately says nothing about which check failed so that an
// attacker probing the verifier learns nothing; use Reason for logs.
var ErrInvalidToken = errors.New("identity: invalid token")

// invalidError carries the internal reason behind ErrInvalidToken.
type invalidError struct {
	reason string
	cause  error
}

func (e *invalidError) Error() string        { return ErrInvalidToken.Error() }
func (e *invalidError) Is(target error) bool { return target == ErrInvalidToken }

// refuse builds the opaque error with a reason for operators.
func refuse(reason string) error { return &invalidError{reason: reason} }

// refuseWith is refuse with an underlying cause kept for logs.
func refuseWith(reason string, cause error) error {
	return &invalidError{reason: reason, cause: cause}
}

// Reason returns the internal reason a token was refused, for logging
// only. It returns "" when err is not a refusal from this package.
func Reason(err error) string {
	var ie *invalidError
	if !errors.As(err, &ie) {
		return ""
	}
	if ie.cause != nil {
		return ie.reason + ": " + ie.cause.Error()
	}
	return ie.reason
}
