package hssclient

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
