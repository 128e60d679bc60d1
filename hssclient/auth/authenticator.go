// Package auth authorises the HSS client's requests: SDK-HMAC-SHA256
// signing with AK/SK (rotated in files), IAM password tokens, the ECS
// metadata service's temporary keys and OIDC workload identity, and the
// backoff that holds a refused or unavailable credential so that no lock
// is brought closer. It knows HTTP, Huawei's API gateway and IAM; the
// client (hssclient) imports it, never the other way round.
package auth

import (
	"context"
	"net/http"
)

// Authenticator authorises a request just before it is sent: it signs it
// (AK/SK) or sets X-Auth-Token (IAM). It is called once per attempt, so a
// retried request is signed anew with a fresh X-Sdk-Date.
type Authenticator interface {
	// Authorize adds the authentication headers to req. body is the exact
	// request body (nil for GET), hashed into the signature.
	Authorize(ctx context.Context, req *http.Request, body []byte) error
	// Invalidate is called after a 401. It drops cached credentials and
	// reports whether fresh ones may now be fetched, so the caller retries
	// once; static AK/SK returns false and the 401 is final.
	Invalidate() bool
}
