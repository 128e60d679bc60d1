package hssclient

import "time"

// Observer receives a report of every HTTP attempt the client makes. It lets
// the collector turn client activity into metrics without this package
// importing Prometheus. Implementations must be safe for concurrent use.
type Observer interface {
	// RequestDone reports one attempt: code is the HTTP status, or 0 when
	// the attempt failed before a status arrived (reset, timeout).
	RequestDone(operation string, code int, duration time.Duration)
	// Retry reports that an attempt is retried and why: "throttled",
	// "server_error", "network", "malformed" (a 200 that was no page),
	// "auth_refresh" or "page_size".
	Retry(operation, reason string)
}

// RetryReasons are every reason Retry reports, so a counter of retries can
// start every reason at 0 rather than appear at the first retry.
var RetryReasons = []string{"throttled", "server_error", "network", "malformed", "auth_refresh", "page_size"}

// Operation names, as reported to an Observer (those of getting
// credentials are auth.OpIAMToken and its siblings).
const (
	OpListContainers = "ListLocalImageContainers"
	OpListImages     = "ListImageLocal"
)

// Operation names of the posture APIs: container nodes, security event
// counts and protection quotas.
const (
	OpListContainerNodes = "ListContainerNodes"
	OpShowEventSeverity  = "ShowEventSeverity"
	OpShowResourceQuotas = "ShowResourceQuotas"
)

type nopObserver struct{}

func (nopObserver) RequestDone(string, int, time.Duration) {}
func (nopObserver) Retry(string, string)                   {}
