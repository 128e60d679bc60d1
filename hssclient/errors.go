package hssclient

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

// IsCredentialError reports whether err says no API call can be
// authorised for now: the credentials were refused and are backing off
// (CredentialsRefusedError), or fetching them failed (an IAM token, the
// metadata service's temporary keys, or the OIDC exchange and its ID
// token file) rather than the HSS API.
func IsCredentialError(err error) bool {
	if _, ok := CredentialsRefused(err); ok || errors.Is(err, ErrIDTokenFile) {
		return true
	}
	return credOperation(OperationOf(err))
}

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

// credOperation reports whether op fetches credentials rather than
// calling HSS.
func credOperation(op string) bool {
	switch op {
	case OpIAMToken, OpMetadata, OpIDToken, OpSecurityToken:
		return true
	}
	return false
}

type errorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

// newAPIError builds the typed error of an error answer. Whatever the body
// says, the request's own credentials are cut out of it.
func newAPIError(op string, resp *http.Response, eb errorBody, req *http.Request) *APIError {
	requestID := eb.RequestID
	if requestID == "" {
		requestID = resp.Header.Get("X-Request-Id")
	}
	// Every field is redacted, not only error_msg: a hostile gateway can
	// echo a token in error_code, request_id or X-Request-Id just as well.
	r := requestRedactor(req)
	return &APIError{
		Operation:  op,
		StatusCode: resp.StatusCode,
		Code:       cleanText(r.clean(eb.ErrorCode), 64),
		Message:    cleanText(r.clean(eb.ErrorMsg), maxErrorMessage),
		RequestID:  cleanText(r.clean(requestID), 128),
	}
}

// cleanText makes upstream text safe for one log line: valid UTF-8, no
// control characters, at most limit bytes.
func cleanText(s string, limit int) string {
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
