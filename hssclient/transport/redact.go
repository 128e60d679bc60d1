package transport

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Text from an upstream answer (error_code, error_msg, request_id, a
// transport error quoting a malformed answer) may echo the credentials the
// request carried, and not only as sent: a gateway may lower-case them,
// base64- or hex-encode them, embed them in a longer encoded blob, or cut
// them short. Every such form, and every long-enough piece of one, is cut
// out before the text reaches an error.

// redacted replaces a credential in upstream text.
const redacted = "[REDACTED]"

// Below these lengths a form is not searched for: a needle of a few
// characters would cut ordinary words out of messages. Real credentials
// are far longer (signatures 64, tokens hundreds of characters).
const (
	minRawSecret     = 4
	minDerivedNeedle = 8
)

// minFragment is the shortest run of a secret's characters, in any of its
// forms, that is cut even without the rest: an upstream field cut short
// (a truncated error_msg, a header limit) can carry a token's first or
// last characters, and those are as good as the token to whoever knows
// its format. 16 characters of a random credential, or of its base64 or
// hex, are 64 bits or more: ordinary text does not hold them by chance.
const minFragment = 16

// Redactor cuts a set of credentials, in every form it knows, out of text.
type Redactor struct {
	needles []string // ASCII-lower-cased; matched without regard to case
	// fragments holds every minFragment-long run of every form of the
	// secrets, ASCII-lower-cased: a text window found here is cut.
	fragments map[string]struct{}
}

// NewRedactor returns a Redactor for secrets; empty ones are ignored.
// A long-enough fragment of any of them is cut too.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{fragments: map[string]struct{}{}}
	for _, s := range secrets {
		r.addSecret(s, true)
	}
	r.sortNeedles()
	return r
}

// addSecret adds s and its encoded forms; withFragments adds their
// fragments as well. Call sortNeedles when done.
func (r *Redactor) addSecret(s string, withFragments bool) {
	if len(s) < minRawSecret {
		return
	}
	r.add(s, 1, withFragments)
	for _, v := range []string{s, strings.ToLower(s), strings.ToUpper(s)} {
		for _, form := range encodedForms(v) {
			r.add(form, minDerivedNeedle, withFragments)
		}
	}
}

// sortNeedles puts the longest first, so a whole encoded form is cut
// before its core.
func (r *Redactor) sortNeedles() {
	slices.SortFunc(r.needles, func(a, b string) int { return len(b) - len(a) })
	r.needles = slices.Compact(r.needles)
}

func (r *Redactor) add(needle string, minLen int, withFragments bool) {
	if len(needle) < minLen {
		return
	}
	folded := foldASCII(needle)
	r.needles = append(r.needles, folded)
	for i := 0; withFragments && i+minFragment <= len(folded); i++ {
		r.fragments[folded[i:i+minFragment]] = struct{}{}
	}
}

// encodedForms lists how s may come back encoded: base64 (standard and
// URL alphabets, padded or not), the part of its base64 that is the same
// wherever s sits in a longer encoded text (one per alignment), hex, and
// URL escaping.
func encodedForms(s string) []string {
	b := []byte(s)
	forms := []string{
		base64.StdEncoding.EncodeToString(b), base64.URLEncoding.EncodeToString(b),
		hex.EncodeToString(b), url.QueryEscape(s), url.PathEscape(s),
	}
	for shift := range 3 {
		buf := make([]byte, shift+len(b))
		copy(buf[shift:], b)
		// Character i of the encoding carries bits 6i to 6i+6: those
		// wholly inside s's bits do not depend on what surrounds s.
		first, end := (8*shift+5)/6, 8*(shift+len(b))/6
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			if e := enc.EncodeToString(buf); first < end {
				forms = append(forms, e[first:end])
			}
		}
	}
	return forms
}

// Clean returns text with every needle cut out.
func (r *Redactor) Clean(text string) string {
	if r == nil || len(r.needles) == 0 || text == "" {
		return text
	}
	folded := foldASCII(text)
	cut := make([]bool, len(text))
	found := false
	for _, n := range r.needles {
		for from := 0; ; {
			i := strings.Index(folded[from:], n)
			if i < 0 {
				break
			}
			i += from
			for j := i; j < i+len(n); j++ {
				cut[j] = true
			}
			found, from = true, i+1
		}
	}
	for i := 0; len(r.fragments) > 0 && i+minFragment <= len(folded); i++ {
		if _, ok := r.fragments[folded[i:i+minFragment]]; ok {
			for j := i; j < i+minFragment; j++ {
				cut[j] = true
			}
			found = true
		}
	}
	if !found {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); {
		if !cut[i] {
			b.WriteByte(text[i])
			i++
			continue
		}
		b.WriteString(redacted)
		for i < len(text) && cut[i] {
			i++
		}
	}
	return b.String()
}

// foldASCII lower-cases ASCII letters only, byte by byte, so offsets in
// the result are offsets in s (even in invalid UTF-8).
func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// RequestRedactor cuts the credentials req carried: the token headers, the
// whole Authorization value and the signature inside it. Fragments are
// cut of the secrets only: the rest of Authorization (the algorithm, the
// access key, the signed header names) is no secret, and its pieces are
// words an error may well use.
func RequestRedactor(req *http.Request) *Redactor {
	secrets := []string{req.Header.Get("X-Auth-Token"), req.Header.Get("X-Security-Token")}
	auth := req.Header.Get("Authorization")
	if _, sig, ok := strings.Cut(auth, "Signature="); ok {
		secrets = append(secrets, sig)
	}
	r := NewRedactor(secrets...)
	r.addSecret(auth, false)
	r.sortNeedles()
	return r
}

// redactedError shows the text of an error with credentials cut out and
// still unwraps to it, so errors.Is and errors.As see the cause.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// RedactError returns err, or err behind its redacted text when that text
// held a credential of req.
func RedactError(err error, req *http.Request) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := RequestRedactor(req).Clean(msg); clean != msg {
		return &redactedError{msg: clean, err: err}
	}
	return err
}
