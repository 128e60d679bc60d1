// Package transport holds what every call of the HSS client and of its
// authentication shares: the default HTTP client, reading an answer
// within its cap, and the typed errors a call ends in, their text cleaned
// of credentials. It imports nothing of the client, so both the client
// and its authentication (hssclient/auth) build on it.
package transport

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// APIError is an error answer of the HSS API or its gateway.
// Its message never holds request headers, so no secret reaches it.
type APIError struct {
	Operation  string
	StatusCode int
	Code       string // error_code, e.g. HSS.0001, APIG.0308
	Message    string // error_msg, truncated to a sane length
	RequestID  string // request_id from the body or X-Request-Id
	// Hint says what the operator should check, for failures a retry
	// cannot fix (wrong keys, missing permissions); empty otherwise.
	Hint string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.Operation, e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request_id " + e.RequestID + ")"
	}
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// Class tells what kind of failure an error is.
type Class int

// Failure classes, so callers can tell throttling, auth, bad requests and
// server errors apart.
const (
	ClassOther Class = iota
	ClassThrottled
	ClassAuth
	ClassBadRequest
	ClassServer
	ClassNetwork
)

func (c Class) String() string {
	switch c {
	case ClassThrottled:
		return "throttled"
	case ClassAuth:
		return "auth"
	case ClassBadRequest:
		return "bad_request"
	case ClassServer:
		return "server_error"
	case ClassNetwork:
		return "network"
	}
	return "other"
}

// Classify returns the class of err.
func Classify(err error) Class {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.StatusCode == http.StatusTooManyRequests:
			return ClassThrottled
		case apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden:
			return ClassAuth
		case apiErr.StatusCode >= 500:
			return ClassServer
		case apiErr.StatusCode >= 400:
			return ClassBadRequest
		}
		return ClassOther
	}
	var netErr *NetworkError
	if errors.As(err, &netErr) {
		return ClassNetwork
	}
	return ClassOther
}

// NetworkError wraps a transport failure (reset, timeout, refused).
type NetworkError struct {
	Operation string
	Err       error
}

func (e *NetworkError) Error() string { return e.Operation + ": " + e.Err.Error() }

func (e *NetworkError) Unwrap() error { return e.Err }

// OperationOf returns the operation a typed error of the client came from
// (an APIError, NetworkError or DecodeError, however wrapped), or "".
func OperationOf(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Operation
	}
	var netErr *NetworkError
	if errors.As(err, &netErr) {
		return netErr.Operation
	}
	var decErr *DecodeError
	if errors.As(err, &decErr) {
		return decErr.Operation
	}
	return ""
}

// CleanText makes upstream text safe for one log line: valid UTF-8, no
// control characters, at most limit bytes.
func CleanText(s string, limit int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// MaxErrorMessage bounds error_msg text taken into an APIError, so a hostile
// or broken gateway cannot flood logs through it.
const MaxErrorMessage = 256

// ErrNotSent marks an attempt that never left the client: the caller's
// context ended while it waited for the rate limiter or a concurrency slot.
var ErrNotSent = errors.New("request not sent")
