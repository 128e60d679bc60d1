package inventory

import (
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

// CredentialGate is what stops calling with credentials the API or IAM
// refused, or that IAM or the metadata service failed to hand out, until
// their next attempt is due (*hssclient.Client is one). The status and
// hss_exporter_auth_backoff_seconds say until when; a target without one
// (Target.Credentials nil) is taken never to back off.
type CredentialGate interface {
	// RefusedUntil is when the refused credentials are next tried; zero
	// while they are not refused.
	RefusedUntil() time.Time
	// UnavailableUntil is when credentials are next asked of a failing
	// IAM or metadata service; zero while it is not failing.
	UnavailableUntil() time.Time
}

var _ CredentialGate = (*hssclient.Client)(nil)

// refusedUntil is when the target's refused credentials are next tried;
// zero while they are not refused. Targets sharing the credentials share
// the answer.
func (src *Source) refusedUntil() time.Time {
	if src.cfg.Credentials != nil {
		return src.cfg.Credentials.RefusedUntil()
	}
	return time.Time{}
}

// unavailableUntil is when credentials are next asked of the target's
// failing IAM or metadata service; zero while it is not failing. Targets
// of the same identity share the answer.
func (src *Source) unavailableUntil() time.Time {
	if src.cfg.Credentials != nil {
		return src.cfg.Credentials.UnavailableUntil()
	}
	return time.Time{}
}
