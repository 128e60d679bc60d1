package hssfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// This file is the server's own SDK-HMAC-SHA256 verifier, written from the
// specification rather than shared with the client, so that a client bug
// shows up as a signature mismatch instead of agreeing with itself.

const (
	signAlgorithm = "SDK-HMAC-SHA256"
	sdkDateLayout = "20060102T150405Z"
)

// authorization is a parsed `SDK-HMAC-SHA256 Access=..., SignedHeaders=...,
// Signature=...` header.
type authorization struct {
	access        string
	signedHeaders []string
	signature     string
}

var errMalformedAuth = errors.New("malformed Authorization header")

func parseAuthorization(v string) (authorization, error) {
	rest, ok := strings.CutPrefix(v, signAlgorithm+" ")
	if !ok {
		return authorization{}, errMalformedAuth
	}
	var a authorization
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return authorization{}, errMalformedAuth
		}
		switch k {
		case "Access":
			a.access = val
		case "SignedHeaders":
			a.signedHeaders = strings.Split(val, ";")
		case "Signature":
			a.signature = val
		}
	}
	if a.access == "" || a.signature == "" || len(a.signedHeaders) == 0 {
		return authorization{}, errMalformedAuth
	}
	return a, nil
}

// signs reports whether name is among the signed headers.
func (a authorization) signs(name string) bool {
	for _, h := range a.signedHeaders {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// sdkDate checks that X-Sdk-Date is signed, well formed and within maxSkew of
// now.
func sdkDate(r *http.Request, a authorization, now time.Time, maxSkew time.Duration) (string, AuthFailureReason) {
	if !a.signs("x-sdk-date") {
		return "", ReasonDateNotSigned
	}
	raw := r.Header.Get("X-Sdk-Date")
	t, err := time.Parse(sdkDateLayout, raw)
	if err != nil {
		return "", ReasonBadDate
	}
	if d := now.Sub(t); d > maxSkew || d < -maxSkew {
		return "", ReasonStaleDate
	}
	return raw, ""
}

// verifySignature recomputes the signature of r (with the request body
// body) under secret and compares it in constant time.
func verifySignature(r *http.Request, body []byte, a authorization, secret string) AuthFailureReason {
	creq, err := canonicalRequest(r, body, a.signedHeaders)
	if err != nil {
		return ReasonBadQuery
	}
	sum := sha256.Sum256([]byte(creq))
	toSign := signAlgorithm + "\n" + r.Header.Get("X-Sdk-Date") + "\n" + hex.EncodeToString(sum[:])
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(toSign))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(a.signature)) {
		return ReasonSignatureMismatch
	}
	return ""
}

func canonicalRequest(r *http.Request, body []byte, signed []string) (string, error) {
	query, err := canonicalQuery(r.URL.RawQuery)
	if err != nil {
		return "", err
	}
	bodySum := sha256.Sum256(body)
	return strings.Join([]string{
		r.Method,
		canonicalURI(r.URL.Path),
		query,
		canonicalHeaders(r, signed),
		strings.Join(signed, ";"),
		hex.EncodeToString(bodySum[:]),
	}, "\n"), nil
}

// canonicalURI escapes each decoded path segment and appends the trailing
// slash the signer adds (for signing only).
func canonicalURI(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = sdkEscape(s)
	}
	u := strings.Join(segs, "/")
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

// canonicalQuery rebuilds the canonical query from the raw query exactly as
// received. Pairs are decoded with path semantics, so a '+' stays a plus:
// a client that sends a space as '+' but signed it as %20 is caught, as the
// real gateway would.
func canonicalQuery(raw string) (string, error) {
	type pair struct{ k, v string }
	var pairs []pair
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := url.PathUnescape(k)
		if err != nil {
			return "", err
		}
		dv, err := url.PathUnescape(v)
		if err != nil {
			return "", err
		}
		pairs = append(pairs, pair{dk, dv})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = sdkEscape(p.k) + "=" + sdkEscape(p.v)
	}
	return strings.Join(out, "&"), nil
}

// canonicalHeaders writes `name:trimmed value\n` per signed header, taking
// host from r.Host because Go moves it out of r.Header. A signed header with
// several values gives one line per value, sorted, as the SDK does; an absent
// one gives no line.
func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		values := r.Header.Values(name)
		if strings.EqualFold(name, "host") {
			values = []string{r.Host}
		}
		values = append([]string(nil), values...)
		sort.Strings(values)
		for _, v := range values {
			b.WriteString(name + ":" + strings.TrimSpace(v) + "\n")
		}
	}
	return b.String()
}

// sdkEscape percent-encodes everything except A-Za-z0-9-_.~ with upper-case
// hex, byte by byte.
func sdkEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
