package hssfake

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// errorBody is the HSS error answer. Gateway (APIG) errors also carry
// request_id; HSS's own errors only have the X-Request-Id header.
type errorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error_code":"HSS.1000","error_msg":"System error"}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeHSSError answers like the HSS service behind the gateway.
func writeHSSError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{ErrorCode: code, ErrorMsg: msg})
}

// writeGatewayError answers like API Gateway (APIG), which adds request_id.
func writeGatewayError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	writeJSON(w, status, errorBody{ErrorCode: code, ErrorMsg: msg, RequestID: requestID(r)})
}

// invalidParam answers 400 HSS.0001 naming the parameter, never its value.
func invalidParam(w http.ResponseWriter, name string) {
	writeHSSError(w, http.StatusBadRequest, "HSS.0001", "Invalid parameter: "+name)
}
