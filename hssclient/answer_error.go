package hssclient

import (
	"net/http"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

type errorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

// newAPIError builds the typed error of an error answer. Whatever the body
// says, the request's own credentials are cut out of it.
func newAPIError(op string, resp *http.Response, eb errorBody, req *http.Request) *transport.APIError {
	requestID := eb.RequestID
	if requestID == "" {
		requestID = resp.Header.Get("X-Request-Id")
	}
	// Every field is redacted, not only error_msg: a hostile gateway can
	// echo a token in error_code, request_id or X-Request-Id just as well.
	r := transport.RequestRedactor(req)
	return &transport.APIError{
		Operation:  op,
		StatusCode: resp.StatusCode,
		Code:       transport.CleanText(r.Clean(eb.ErrorCode), 64),
		Message:    transport.CleanText(r.Clean(eb.ErrorMsg), transport.MaxErrorMessage),
		RequestID:  transport.CleanText(r.Clean(requestID), 128),
	}
}
