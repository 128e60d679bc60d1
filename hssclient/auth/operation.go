package auth

import (
	"errors"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// Operation names of getting credentials, as reported to an Observer.
const (
	OpIAMToken = "KeystoneCreateUserTokenByPassword"
	OpMetadata = "MetadataSecurityKey"
	// OIDC workload identity: an ID token for a federated token, then that
	// token for temporary keys.
	OpIDToken       = "CreateTokenWithIdToken"
	OpSecurityToken = "CreateTemporaryAccessKeyByToken"
)

// Observer receives a report of every HTTP request made to get
// credentials; the client's Observer is one. Implementations must be safe
// for concurrent use.
type Observer interface {
	// RequestDone reports one request: code is the HTTP status, or 0 when
	// it failed before a status arrived (reset, timeout).
	RequestDone(operation string, code int, duration time.Duration)
}

type nopObserver struct{}

func (nopObserver) RequestDone(string, int, time.Duration) {}

// IsCredentialError reports whether err says no API call can be
// authorised for now: the credentials were refused and are backing off
// (CredentialsRefusedError), or fetching them failed (an IAM token, the
// metadata service's temporary keys, or the OIDC exchange and its ID
// token file) rather than the HSS API.
func IsCredentialError(err error) bool {
	if _, ok := CredentialsRefused(err); ok || errors.Is(err, ErrIDTokenFile) {
		return true
	}
	return credOperation(transport.OperationOf(err))
}

// credOperation reports whether op fetches credentials rather than
// calling HSS.
func credOperation(op string) bool {
	switch op {
	case OpIAMToken, OpMetadata, OpIDToken, OpSecurityToken:
		return true
	}
	return false
}
