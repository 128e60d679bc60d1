package hssfake

import (
	"fmt"
	"maps"
	"sync"
	"time"
)

// RequestKey identifies a counter of Server.RequestCount. Code 0 means the
// server sent no HTTP answer (a FaultReset, a FaultHang, a dropped connection).
type RequestKey struct {
	Operation string
	Code      int
}

// AuthFailureReason says why a request failed authentication.
type AuthFailureReason string

// Reasons recorded in AuthFailure.
const (
	ReasonNoCredentials          AuthFailureReason = "no credentials"
	ReasonMalformedAuthorization AuthFailureReason = "malformed Authorization header"
	ReasonUnknownAccessKey       AuthFailureReason = "unknown access key"
	ReasonLocked                 AuthFailureReason = "access key locked"
	ReasonDateNotSigned          AuthFailureReason = "x-sdk-date not signed"
	ReasonBadDate                AuthFailureReason = "malformed X-Sdk-Date"
	ReasonStaleDate              AuthFailureReason = "X-Sdk-Date outside allowed skew"
	ReasonBadQuery               AuthFailureReason = "query cannot be decoded"
	ReasonSignatureMismatch      AuthFailureReason = "signature mismatch"
	ReasonSecurityTokenMissing   AuthFailureReason = "temporary AK without matching X-Security-Token"
	ReasonSecurityTokenNotSigned AuthFailureReason = "x-security-token not signed"
	ReasonCredentialsExpired     AuthFailureReason = "temporary credentials expired"
	ReasonTokenUnknown           AuthFailureReason = "unknown token"
	ReasonTokenExpired           AuthFailureReason = "token expired"
)

// AuthFailure records one rejected request, for test assertions.
type AuthFailure struct {
	Time      time.Time
	Operation string
	AccessKey string // empty for token authentication
	Reason    AuthFailureReason
}

// stats counts requests and auth failures.
type stats struct {
	mu        sync.Mutex
	seq       uint64
	requests  map[RequestKey]int
	failures  []AuthFailure
	throttled map[string]int // refusals of the rate limit, by operation
}

func (st *stats) nextRequestID() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.seq++
	return fmt.Sprintf("%032x", st.seq)
}

func (st *stats) count(op string, code int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.requests == nil {
		st.requests = map[RequestKey]int{}
	}
	st.requests[RequestKey{op, code}]++
}

func (st *stats) authFailed(f AuthFailure) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.failures = append(st.failures, f)
}

// Requests returns how many requests for operation were answered with code.
func (s *Server) Requests(operation string, code int) int {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return s.stats.requests[RequestKey{operation, code}]
}

// RequestsFor returns how many requests for operation were served, any code.
func (s *Server) RequestsFor(operation string) int {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	n := 0
	for k, v := range s.stats.requests {
		if k.Operation == operation {
			n += v
		}
	}
	return n
}

// RequestCount returns a copy of all request counters.
func (s *Server) RequestCount() map[RequestKey]int {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return maps.Clone(s.stats.requests)
}

// AuthFailures returns the authentication failures recorded so far, oldest
// first.
func (s *Server) AuthFailures() []AuthFailure {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return append([]AuthFailure(nil), s.stats.failures...)
}

// ResetCounts clears the request counters, the rate limit's refusals and
// the recorded auth failures.
// Lockouts and issued credentials stay.
func (s *Server) ResetCounts() {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	s.stats.requests = nil
	s.stats.failures = nil
	s.stats.throttled = nil
}
