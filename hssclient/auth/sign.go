package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Names and formats of SDK-HMAC-SHA256, as Huawei's official SDK uses them.
const (
	signAlgorithm    = "SDK-HMAC-SHA256"
	headerSdkDate    = "X-Sdk-Date"
	headerSecToken   = "X-Security-Token"
	sdkDateFormat    = "20060102T150405Z"
	upperHex         = "0123456789ABCDEF"
	headerAuthorize  = "Authorization"
	headerContentTyp = "Content-Type"
)

// shouldEscape reports whether c is outside the unreserved set A-Za-z0-9-_.~
// that the SDK leaves as is.
func shouldEscape(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return false
	case c == '-', c == '_', c == '.', c == '~':
		return false
	}
	return true
}

// escape percent-encodes s byte by byte with upper-case hex. Unlike
// url.QueryEscape it writes a space as %20, never +, because the gateway
// recomputes the signature from the decoded query and + would not survive.
func escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if shouldEscape(c) {
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// EncodeQuery returns q as the canonical query of SDK-HMAC-SHA256:
// escape(key)=escape(value) pairs sorted by key, then by value, joined by &.
// The client sends this very string on the wire, so what the gateway
// receives is exactly what was signed.
func EncodeQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		values := append([]string(nil), q[k]...)
		sort.Strings(values)
		for _, v := range values {
			pairs = append(pairs, escape(k)+"="+escape(v))
		}
	}
	return strings.Join(pairs, "&")
}

// canonicalURI escapes each segment of path and appends the trailing slash
// the SDK signs (but does not send).
func canonicalURI(path string) string {
	segments := strings.Split(path, "/")
	for i, s := range segments {
		segments[i] = escape(s)
	}
	uri := strings.Join(segments, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return uri
}

// signedHeaderNames lists the headers the SDK signs: all that are set,
// except Content-Type, Authorization and names holding an underscore
// (proxies may drop those), lower-cased and sorted. Go keeps Host outside
// req.Header, so, like the SDK, host is not signed.
func signedHeaderNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		lower := strings.ToLower(k)
		if lower == "content-type" || lower == "authorization" || strings.Contains(lower, "_") {
			continue
		}
		names = append(names, lower)
	}
	sort.Strings(names)
	return names
}

// canonicalHeaders writes "name:value\n" for every signed header. The value
// of host comes from the request's host, which Go keeps outside Header.
func canonicalHeaders(h http.Header, host string, signed []string) string {
	lower := make(map[string][]string, len(h))
	for k, v := range h {
		lower[strings.ToLower(k)] = append(lower[strings.ToLower(k)], v...)
	}
	var b strings.Builder
	for _, name := range signed {
		values := lower[name]
		if name == "host" && len(values) == 0 {
			values = []string{host}
		}
		values = append([]string(nil), values...)
		sort.Strings(values)
		for _, v := range values {
			b.WriteString(name + ":" + strings.TrimSpace(v) + "\n")
		}
	}
	return b.String()
}

func hexSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// signature returns the hex SDK-HMAC-SHA256 signature of a request. h must
// already hold X-Sdk-Date; signed names the headers to sign, so a verifier
// can honour whatever list a client chose.
func signature(method, uri, query string, h http.Header, host string, signed []string, body []byte, sk string) string {
	canonical := strings.Join([]string{
		method,
		uri,
		query,
		canonicalHeaders(h, host, signed),
		strings.Join(signed, ";"),
		hexSHA256(body),
	}, "\n")
	toSign := signAlgorithm + "\n" + h.Get(headerSdkDate) + "\n" + hexSHA256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(toSign))
	return hex.EncodeToString(mac.Sum(nil))
}

// authorizationValue formats the Authorization header of a signed request.
func authorizationValue(ak string, signed []string, sig string) string {
	return fmt.Sprintf("%s Access=%s, SignedHeaders=%s, Signature=%s",
		signAlgorithm, ak, strings.Join(signed, ";"), sig)
}

// SignRequest signs req with SDK-HMAC-SHA256 as Huawei's official SDK does:
// it sets X-Sdk-Date from now and Authorization. body is the exact request
// body (nil for none). Set every header to be signed, X-Security-Token
// included, before calling it. The query is rewritten in canonical form
// (EncodeQuery), so the wire carries exactly the signed query.
func SignRequest(req *http.Request, body []byte, ak, sk string, now time.Time) error {
	if ak == "" || sk == "" {
		return fmt.Errorf("signing request: access key and secret key are required")
	}
	q, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		// The parse error quotes the offending text; the query is not secret,
		// but keep it out of error messages all the same.
		return fmt.Errorf("signing request: query string cannot be parsed")
	}
	req.URL.RawQuery = EncodeQuery(q)
	req.Header.Del(headerAuthorize) // a re-signed request must not sign the old signature
	req.Header.Set(headerSdkDate, now.UTC().Format(sdkDateFormat))
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	signed := signedHeaderNames(req.Header)
	sig := signature(req.Method, canonicalURI(req.URL.Path), req.URL.RawQuery, req.Header, host, signed, body, sk)
	req.Header.Set(headerAuthorize, authorizationValue(ak, signed, sig))
	return nil
}
