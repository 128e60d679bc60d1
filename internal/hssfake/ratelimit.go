package hssfake

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimit is the gateway's per-API, per-user call limit, as HSS documents
// it ("a single user or IP address can access an API for up to five
// times/minute"): in each fixed one-minute window, aligned to the minute of
// the server's clock, a user may call one HSS API operation at most N times;
// further calls in that window are refused with 429 APIG.0308. Only HSS
// APIs count; the IAM token and metadata endpoints are outside it. A request
// that fails authentication is not counted, as the gateway cannot tell whose
// it is.
type RateLimit struct {
	// Default is N for every HSS API operation not in PerOperation; 0 or
	// less means no limit.
	Default int
	// PerOperation overrides Default for an operation (the Op* names); a
	// value of 0 or less lifts the limit for that operation.
	PerOperation map[string]int
}

// limitFor returns N for op, or 0 when op is not limited.
func (rl RateLimit) limitFor(op string) int {
	if n, ok := rl.PerOperation[op]; ok {
		return max(n, 0)
	}
	return max(rl.Default, 0)
}

// rateKey is one user's counter for one operation.
type rateKey struct{ user, op string }

// rateLimiter counts calls per user and operation in the current window.
type rateLimiter struct {
	mu     sync.Mutex
	cfg    RateLimit
	window time.Time // start of the window calls counts
	calls  map[rateKey]int
}

// SetRateLimit replaces the rate limit at run time. Calls already made in
// the current window keep counting against the new limit, as when a
// gateway's policy changes mid-minute.
func (s *Server) SetRateLimit(rl RateLimit) {
	rl.PerOperation = maps.Clone(rl.PerOperation)
	s.rate.mu.Lock()
	defer s.rate.mu.Unlock()
	s.rate.cfg = rl
}

// RateLimit returns the rate limit in force.
func (s *Server) RateLimit() RateLimit {
	s.rate.mu.Lock()
	defer s.rate.mu.Unlock()
	rl := s.rate.cfg
	rl.PerOperation = maps.Clone(rl.PerOperation)
	return rl
}

// Throttled returns how many calls of operation the rate limit refused
// since the server started or ResetCounts. Injected 429 faults are not
// included; Requests(operation, 429) counts both.
func (s *Server) Throttled(operation string) int {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return s.stats.throttled[operation]
}

// ThrottledCount returns a copy of the refusals of the rate limit, by
// operation.
func (s *Server) ThrottledCount() map[string]int {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return maps.Clone(s.stats.throttled)
}

// admitRate counts one authenticated call of op and reports whether the rate
// limit lets it through; when not, it answers 429 APIG.0308 with the
// gateway's message, which names the limit and its window.
func (s *Server) admitRate(w http.ResponseWriter, r *http.Request, op string) bool {
	limit, ok := s.rate.admit(s.caller(r), op, s.now())
	if ok {
		return true
	}
	s.stats.mu.Lock()
	if s.stats.throttled == nil {
		s.stats.throttled = map[string]int{}
	}
	s.stats.throttled[op]++
	s.stats.mu.Unlock()
	writeGatewayError(w, r, http.StatusTooManyRequests, "APIG.0308", throttleMessage(limit))
	return false
}

// throttleMessage is APIG.0308's error_msg for a per-user limit of n calls
// per minute, worded as the real gateway words it.
func throttleMessage(n int) string {
	return "The throttling threshold has been reached: policy user over ratelimit,limit:" +
		strconv.Itoa(n) + ",time:1 minute"
}

// admit counts a call of op by user at now and returns the limit and
// whether the call is within it. Only accepted calls count: raising the
// limit mid-window lets exactly the difference through.
func (rl *rateLimiter) admit(user, op string, now time.Time) (int, bool) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if window := now.Truncate(time.Minute); !window.Equal(rl.window) || rl.calls == nil {
		rl.window, rl.calls = window, map[rateKey]int{}
	}
	// Calls are counted even while op has no limit, so a limit set
	// mid-window sees the calls already made in it.
	key, limit := rateKey{user, op}, rl.cfg.limitFor(op)
	if limit > 0 && rl.calls[key] >= limit {
		return limit, false
	}
	rl.calls[key]++
	return limit, true
}

// caller names the user an authenticated request acts as: the permanent
// AK's owner, the agency behind every temporary key the metadata service
// issued, or the IAM user the token was issued to (this server issues
// tokens to Options.IAMUser only).
func (s *Server) caller(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		a, err := parseAuthorization(h)
		if err != nil {
			return "unknown"
		}
		s.creds.mu.Lock()
		permanent := a.access == s.opts.AccessKey
		s.creds.mu.Unlock()
		if permanent {
			return "ak:" + a.access
		}
		return "agency"
	}
	return "iam-user:" + s.opts.IAMUser
}
