package hssclient

import (
	"context"
	"net/http"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// passFor returns the pass for a call's next attempt: the probe the
// call already holds, which it keeps across its retries, or one the
// client's backoff gives, when it gives one.
func (c *Client) passFor(ctx context.Context, op string, held *auth.Pass) (*auth.Pass, error) {
	if held.Probing() {
		return held, nil
	}
	return c.refusals.Admit(ctx, op, func() string { return auth.Fingerprint(c.cfg.Auth) })
}

// settle records err, the final error of a call, against the credentials
// when it refused them, and returns the error to give the caller: the
// refusal wrapped with the time of the next attempt, or err itself.
func (c *Client) settle(pass *auth.Pass, err error) error {
	if e := auth.Refusal(err); e != nil {
		return pass.Refused(e, auth.Fingerprint(c.cfg.Auth))
	}
	return err
}

// RefusedUntil returns when the client's credentials, refused by the API
// or IAM, will next be tried: zero while they are not refused. Clients
// sharing an auth.Backoff share the answer.
func (c *Client) RefusedUntil() time.Time { return c.refusals.RefusedUntil() }

// UnavailableUntil returns when the client's credentials are next asked of
// a failing IAM or metadata service: zero while it is not failing. Clients
// sharing an auth.Backoff share the answer.
func (c *Client) UnavailableUntil() time.Time { return c.refusals.UnavailableUntil() }

// authorize authorises req for op. When IAM or the metadata service fails
// to hand out credentials, every call of the identity is held (see
// auth.Backoff) and the error says until when, so that neither this call's
// retries nor the next calls ask again before then.
func (c *Client) authorize(ctx context.Context, req *http.Request) error {
	err := c.cfg.Auth.Authorize(ctx, req, nil)
	switch {
	case err == nil:
		c.refusals.Available()
	case auth.SourceFailed(ctx, err):
		return c.refusals.Unavailable(transport.OperationOf(err), err)
	}
	return err
}
