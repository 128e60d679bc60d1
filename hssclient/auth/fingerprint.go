package auth

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
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

// Fingerprint names the credentials a uses now, to tell a refused
// credential from its replacement; "" for credentials no file can change
// (the metadata service's, a test's own).
func Fingerprint(a Authenticator) string {
	if f, ok := a.(fingerprinter); ok {
		return f.fingerprint()
	}
	return ""
}
