package statuspage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// health says in a sentence what the collector's Health of a target
// means: the word itself is the collector's, decided once with readiness.
func health(st collector.TargetStatus, maxStaleness time.Duration) (word collector.Health, summary string) {
	switch st.Health {
	case collector.HealthStale:
		return st.Health, fmt.Sprintf("Stale: no good refresh for %s, longer than max_staleness (%s). "+
			"This target's inventory series are dropped from /metrics until a refresh succeeds.",
			humanDuration(st.DataAge), humanDuration(maxStaleness))
	case collector.HealthPending:
		return st.Health, "Waiting for the first refresh to finish."
	case collector.HealthDown:
		return st.Health, "Down: no refresh has succeeded yet, so there is no inventory to show."
	case collector.HealthFailing:
		limit := "it is older than max_staleness (" + humanDuration(maxStaleness) + ")"
		if maxStaleness <= 0 {
			limit = "a refresh succeeds (max_staleness is not set)"
		}
		return st.Health, fmt.Sprintf("Failing: the last refresh failed. Still serving the data from %s ago until %s.",
			humanDuration(st.DataAge), limit)
	case collector.HealthDegraded:
		return st.Health, fmt.Sprintf("Degraded: the container listing of %d image(s) failed in the last refresh; "+
			"those images keep their last good rows.", st.ImagesFailed)
	}
	return collector.HealthHealthy, "Healthy: the last refresh succeeded."
}

// refusalAdvice says why refused credentials wait, and how to end it; the
// longest wait is the client's.
var refusalAdvice = "No request is sent with these credentials until then, since HSS locks an access key " +
	"after five failed authentications (and IAM a user after wrong passwords), and every target using them with it; " +
	"the wait doubles with each refusal, up to " + strconv.Itoa(int(auth.MaxBackoff/time.Minute)) + " minutes. Fix the credential files " +
	"(secret_key_file, access_key_file, security_token_file, password_file, id_token_file): " +
	"the next refresh tries the new ones at once."

// refusal reports refused credentials, tried again at next; nil when
// next is zero (not refused).
func refusal(next time.Time) *refusalReport {
	if next.IsZero() {
		return nil
	}
	return &refusalReport{NextAttemptAt: next.UTC(), Message: "credentials refused; next attempt at " + timeText(next),
		Advice: refusalAdvice}
}

// unavailableAdvice says why credentials are not asked for again at once
// while IAM or the metadata service fails, and what still happens.
const unavailableAdvice = "IAM (the password token or the OIDC exchange) or the ECS metadata service failed to hand out " +
	"credentials (a server error, a timeout or no connection). No request is sent for this target, or any target of the same " +
	"identity, until then: the wait doubles with each failure, up to a minute or one refresh_interval, and the last good data stays served until " +
	"max_staleness. Nothing needs fixing on the exporter's side if the service is down; if it stays so, check the IAM or " +
	"metadata endpoint, DNS, proxy and firewall."

// unavailability reports credentials that IAM or the metadata service
// failed to hand out, asked for again at next; nil when next is zero.
func unavailability(next time.Time) *refusalReport {
	if next.IsZero() {
		return nil
	}
	return &refusalReport{NextAttemptAt: next.UTC(), Message: "credentials unavailable; next attempt at " + timeText(next),
		Advice: unavailableAdvice}
}

// budgetAdvice says what the API budget buys: how long listing every
// image once takes, against refresh_interval, and what raising
// api_calls_per_minute would buy where the account allows more.
func budgetAdvice(st collector.TargetStatus, interval time.Duration) string {
	if st.BudgetPerMinute <= 0 || st.SweepCalls == 0 {
		return ""
	}
	var b strings.Builder
	if st.BudgetLearned {
		fmt.Fprintf(&b, "HSS refused a call and named its limit, so the budget is that limit for now: it climbs back to api_calls_per_minute "+
			"%d minutes after the latest refusal, or at once when api_calls_per_minute changes (set it to the limit HSS named to stay within it). ",
			budget.QuietMinutes)
	}
	fmt.Fprintf(&b, "At %s calls a minute, listing the containers of all %s images once takes %s (%s calls)",
		perMinuteText(st.BudgetPerMinute), thousands(st.ImagesToList), humanDuration(st.Sweep), thousands(st.SweepCalls))
	if st.BudgetSharers > 1 {
		fmt.Fprintf(&b, ", the budget being shared with %d other target(s) of the same credentials", st.BudgetSharers-1)
	}
	if st.Sweep <= interval {
		fmt.Fprintf(&b, ", within refresh_interval (%s): each image is listed again every %s, and a larger api_calls_per_minute would not make the data fresher.",
			humanDuration(interval), humanDuration(interval))
		return b.String()
	}
	want := math.Ceil(float64(st.SweepCalls) * float64(time.Minute) / float64(interval) * float64(max(st.BudgetSharers, 1)))
	fmt.Fprintf(&b, ", longer than refresh_interval (%s): each image is listed about every %s. "+
		"Where your account allows more calls, api_calls_per_minute: %s would list every image once per refresh_interval.",
		humanDuration(interval), humanDuration(st.Sweep), perMinuteText(want))
	return b.String()
}

// perMinuteText prints a calls-a-minute figure without needless decimals.
func perMinuteText(v float64) string {
	if v == math.Trunc(v) && v < 1e15 {
		return thousands(int(v))
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// explainError puts a refresh error in plain words, so an operator knows
// where to look without reading client internals. The error itself is
// shown beside it; this adds the likely cause and the fix, from the error's
// type: the client's errors say which operation failed and how.
func explainError(err error, result collector.Result) string {
	if err == nil {
		return ""
	}
	var prefix string
	if result == collector.ResultPartial {
		prefix = "Some images' container listings failed; the rest of the refresh landed. "
	}
	return prefix + likelyCause(err)
}

func likelyCause(err error) string {
	op := transport.OperationOf(err)
	var apiErr *transport.APIError
	var decErr *transport.DecodeError
	_, unavailable := auth.CredentialsUnavailable(err)
	switch {
	case unavailable:
		return "IAM or the ECS metadata service failed to hand out credentials, so no API call could be made: " +
			"the exporter asks again after a wait that doubles up to a minute (or one refresh_interval), and keeps serving the last good data until max_staleness."
	case op == auth.OpIDToken || op == auth.OpSecurityToken || errors.Is(err, auth.ErrIDTokenFile):
		return "The OIDC exchange at IAM failed, so no API call could be signed: check id_token_file, the IAM identity " +
			"provider (issuer URL, signing key, client ID = the token's audience) and its identity conversion rule."
	case errors.As(err, &decErr) && op != auth.OpIAMToken && op != auth.OpMetadata:
		return "HSS answered 200 but not with a whole page of the listing (total_num or data_list missing or null, " +
			"no row where total_num promised some, JSON cut short or not JSON, or an answer over the size cap). " +
			"A gateway or proxy in front of HSS may be misconfigured, or HSS is partly down. The exporter retried it, " +
			"then kept the last good data of what it could not list, until max_staleness; it did not take the answer for an empty inventory."
	case errors.As(err, &apiErr):
		return statusCause(apiErr.StatusCode)
	case errors.Is(err, context.DeadlineExceeded):
		return "A request or the whole refresh ran out of time: HSS was slow or unreachable " +
			"(limits: request_timeout per request, max_staleness per refresh)."
	case transport.Classify(err) == transport.ClassNetwork:
		return "The exporter could not talk to the HSS endpoint: check the endpoint, DNS, proxy and firewall."
	}
	return "The refresh failed; the message below is what the HSS client reported."
}

// statusCause explains an HTTP status HSS answered with.
func statusCause(code int) string {
	switch {
	case code == 401 || code == 403:
		return "HSS refused the credentials or their permissions: check the access key, secret key or IAM user, " +
			"and that the account may read HSS in this project and region."
	case code == 429:
		return "HSS refused a call over its limit (5 calls of one API a minute per user, unless your account allows more): " +
			"the exporter waits out that window before calling the API again, and keeps to the limit when HSS names a lower one. Lower api_calls_per_minute to what the account allows, and " +
			"check that no other tool or replica calls HSS as the same user (replicas of one user need --total-shards)."
	case code >= 500:
		return "The HSS API or its gateway answered with a server error (HTTP " + strconv.Itoa(code) + "); this is usually temporary."
	}
	return "HSS rejected a request as invalid (HTTP " + strconv.Itoa(code) + "): check region, project_id, " +
		"enterprise_project_id and the endpoint."
}

// humanDuration prints d the way a person reads it: 340ms, 2.5s, 3m20s,
// 1h5m; rounded so the page does not flicker with nanoseconds.
func humanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		d = d.Round(time.Second)
	default:
		d = d.Round(time.Minute)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	return s
}

// secondsText prints seconds from a report as a human duration.
func secondsText(s float64) string {
	return humanDuration(time.Duration(s * float64(time.Second)))
}

// timeText prints a time in UTC, to the second.
func timeText(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// resultText is a refresh result in plain words.
func resultText(result collector.Result) string {
	switch result {
	case collector.ResultSuccess:
		return "succeeded"
	case collector.ResultPartial:
		return "partly failed"
	case collector.ResultFailure:
		return "failed"
	}
	return string(result)
}
