package auth

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// CredentialsRefusedError says that the API or IAM refused the
// credentials, and when they will be tried again. Until then every call
// made with them fails at once with this error and sends nothing, unless
// their files change. Err is the last refusal (a *transport.APIError,
// secrets cut out), which another call, or another target with the same
// credentials, may have met.
type CredentialsRefusedError struct {
	Operation   string // the call that was refused, or not sent
	NextAttempt time.Time
	Err         error
}

func (e *CredentialsRefusedError) Error() string {
	return e.Operation + ": credentials refused; next attempt at " + e.NextAttempt.UTC().Format(time.RFC3339) +
		"; last refusal: " + e.Err.Error()
}

func (e *CredentialsRefusedError) Unwrap() error { return e.Err }

// CredentialsRefused reports whether err says the credentials are refused,
// and when they will be tried again.
func CredentialsRefused(err error) (nextAttempt time.Time, ok bool) {
	var r *CredentialsRefusedError
	if errors.As(err, &r) {
		return r.NextAttempt, true
	}
	return time.Time{}, false
}

// keyRefusalCodes are the gateway's codes for credentials it could not
// authenticate (APIG for dedicated gateways, APIGW for the shared one):
// incorrect IAM authentication information (a bad signature, an unknown
// or locked access key, a bad or expired token), incorrect app
// authentication information, incorrect authentication information (a
// custom authorizer) and a token that must be renewed. Every other 403
// (APIG.0302 an IAM user barred from the API, APIG.0304, APIG.0306,
// APIG.0310, IP ACLs, HSS.0013 and policy denials) means the credentials
// were accepted and lack permission: asking again locks nothing.
var keyRefusalCodes = map[string]bool{
	"APIG.0301": true, "APIG.0303": true, "APIG.0305": true, "APIG.0307": true,
	"APIGW.0301": true, "APIGW.0303": true, "APIGW.0305": true, "APIGW.0307": true,
}

// keyRefused reports whether a 403 refused the key itself rather than a
// permission.
func keyRefused(e *transport.APIError) bool {
	return e.StatusCode == http.StatusForbidden && keyRefusalCodes[strings.ToUpper(e.Code)]
}

// Refusal returns the refusal of credentials err is, or nil: a 401 of the
// API or of IAM (password, ID token, token exchange), or a 403 that
// refused the key. The metadata service's answers are not refusals: it
// has no lockout, and no file to fix.
func Refusal(err error) *transport.APIError {
	var e *transport.APIError
	if !errors.As(err, &e) || e.Operation == OpMetadata {
		return nil
	}
	if e.StatusCode == http.StatusUnauthorized || keyRefused(e) {
		return e
	}
	return nil
}

// Accepts reports whether err, the outcome of an API call, shows the
// credentials were accepted: HSS itself answered (a 200, even one that
// held no page, or an HSS error code), which it does only once the
// gateway let the call through.
func Accepts(err error) bool {
	if err == nil {
		return true
	}
	var d *transport.DecodeError
	if errors.As(err, &d) {
		return !credOperation(d.Operation)
	}
	var e *transport.APIError
	return errors.As(err, &e) && !credOperation(e.Operation) && strings.HasPrefix(strings.ToUpper(e.Code), "HSS.")
}
