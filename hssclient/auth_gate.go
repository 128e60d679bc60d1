package hssclient

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// fingerprinter is implemented by authenticators whose credentials an
// operator can replace in files. fingerprint looks at the files as
// Authorize does (a stat at most every check interval) and names the
// credentials they hold now, so a refused credential is told from its
// replacement without keeping either.
type fingerprinter interface {
	fingerprint() string
}

// digest names a set of secret values by their SHA-256, each value
// length-prefixed so that no two sets share a name. It is compared in
// memory only and never shown.
func digest(vals ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, v := range vals {
		binary.BigEndian.PutUint64(n[:], uint64(len(v)))
		h.Write(n[:])
		h.Write([]byte(v))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (a *akskAuth) fingerprint() string {
	k, _ := a.keys.get(false)
	return digest(k...)
}

func (a *iamAuth) fingerprint() string { return digest(a.checkPassword(false)) }

func (a *oidcAuth) fingerprint() string {
	tok, _ := a.idToken.get(false)
	return digest(tok...)
}

// fingerprintOf names the credentials auth uses now; "" for credentials
// no file can change (the metadata service's, a test's own).
func fingerprintOf(auth Authenticator) string {
	if f, ok := auth.(fingerprinter); ok {
		return f.fingerprint()
	}
	return ""
}

// passFor returns the pass for a call's next attempt: the probe the
// call already holds, which it keeps across its retries, or one the
// client's backoff gives, when it gives one.
func (c *Client) passFor(ctx context.Context, op string, held *authPass) (*authPass, error) {
	if held != nil && held.probe {
		return held, nil
	}
	return c.refusals.admit(ctx, op, func() string { return fingerprintOf(c.cfg.Auth) })
}

// settle records err, the final error of a call, against the credentials
// when it refused them, and returns the error to give the caller: the
// refusal wrapped with the time of the next attempt, or err itself.
func (c *Client) settle(pass *authPass, err error) error {
	if e := refusal(err); e != nil {
		return pass.refused(e, fingerprintOf(c.cfg.Auth))
	}
	return err
}

// RefusedUntil returns when the client's credentials, refused by the API
// or IAM, will next be tried: zero while they are not refused. Clients
// sharing an AuthBackoff share the answer.
func (c *Client) RefusedUntil() time.Time { return c.refusals.RefusedUntil() }
