package main

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/hssclient"
)

// Health values of a target, from best to worst news.
const (
	healthPending  = "pending"  // no refresh completed yet
	healthHealthy  = "healthy"  // the last refresh fully succeeded
	healthDegraded = "degraded" // the last refresh partly failed
	healthFailing  = "failing"  // the last refresh failed; older data still served
	healthDown     = "down"     // no refresh has ever landed data
	healthStale    = "stale"    // data older than max_staleness: inventory dropped
)

// health says in a word and a sentence how a target is doing.
func health(st collector.TargetStatus, maxStaleness time.Duration) (word, summary string) {
	switch {
	case st.Stale:
		return healthStale, fmt.Sprintf("Stale: no good refresh for %s, longer than max_staleness (%s). "+
			"This target's inventory series are dropped from /metrics until a refresh succeeds.",
			humanDuration(st.DataAge), humanDuration(maxStaleness))
	case st.LastResult == "" && st.LastSuccess.IsZero():
		return healthPending, "Waiting for the first refresh to finish."
	case st.LastSuccess.IsZero():
		return healthDown, "Down: no refresh has succeeded yet, so there is no inventory to show."
	case st.LastResult == "failure":
		limit := "it is older than max_staleness (" + humanDuration(maxStaleness) + ")"
		if maxStaleness <= 0 {
			limit = "a refresh succeeds (max_staleness is not set)"
		}
		return healthFailing, fmt.Sprintf("Failing: the last refresh failed. Still serving the data from %s ago until %s.",
			humanDuration(st.DataAge), limit)
	case st.LastResult == "partial":
		return healthDegraded, fmt.Sprintf("Degraded: the container listing of %d image(s) failed in the last refresh; "+
			"those images keep their last good rows.", st.ImagesFailed)
	}
	return healthHealthy, "Healthy: the last refresh succeeded."
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
		b.WriteString("HSS refused a call and named its limit, so the budget is now that limit. ")
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

var httpStatus = regexp.MustCompile(`HTTP (\d{3})`)

// explainError puts a refresh error in plain words, so an operator knows
// where to look without reading client internals. The error itself is shown
// beside it; this only adds the likely cause and the fix.
func explainError(msg string) string {
	if msg == "" {
		return ""
	}
	var prefix string
	if strings.Contains(msg, collector.ErrPartialRefresh.Error()) {
		prefix = "Some images' container listings failed; the rest of the refresh landed. "
	}
	return prefix + likelyCause(msg)
}

// malformedAnswer is how the HSS client words a 200 answer that held no
// page (hssclient.DecodeError).
const malformedAnswer = "malformed response"

func likelyCause(msg string) string {
	if strings.Contains(msg, hssclient.OpIDToken) || strings.Contains(msg, hssclient.OpSecurityToken) {
		return "The OIDC exchange at IAM failed, so no API call could be signed: check id_token_file, the IAM identity " +
			"provider (issuer URL, signing key, client ID = the token's audience) and its identity conversion rule."
	}
	if strings.Contains(msg, malformedAnswer) && !strings.Contains(msg, hssclient.OpIAMToken) && !strings.Contains(msg, hssclient.OpMetadata) {
		return "HSS answered 200 but not with a whole page of the listing (total_num or data_list missing or null, " +
			"no row where total_num promised some, JSON cut short or not JSON, or an answer over the size cap). " +
			"A gateway or proxy in front of HSS may be misconfigured, or HSS is partly down. The exporter retried it, " +
			"then kept the last good data of what it could not list, until max_staleness; it did not take the answer for an empty inventory."
	}
	if m := httpStatus.FindStringSubmatch(msg); m != nil {
		switch code := m[1]; {
		case code == "401" || code == "403":
			return "HSS refused the credentials or their permissions: check the access key, secret key or IAM user, " +
				"and that the account may read HSS in this project and region."
		case code == "429":
			return "HSS throttled the exporter: lower requests_per_second or max_concurrency, or lengthen refresh_interval."
		case code[0] == '5':
			return "The HSS API or its gateway answered with a server error (HTTP " + code + "); this is usually temporary."
		case code[0] == '4':
			return "HSS rejected a request as invalid (HTTP " + code + "): check region, project_id, " +
				"enterprise_project_id and the endpoint."
		}
	}
	lower := strings.ToLower(msg)
	for _, net := range []string{"connection refused", "no such host", "connection reset", "i/o timeout",
		"network is unreachable", "eof", "tls"} {
		if strings.Contains(lower, net) {
			return "The exporter could not talk to the HSS endpoint: check the endpoint, DNS, proxy and firewall."
		}
	}
	if strings.Contains(lower, "deadline exceeded") || strings.Contains(lower, "timeout") {
		return "A request or the whole refresh ran out of time: HSS was slow or unreachable " +
			"(limits: request_timeout per request, max_staleness per refresh)."
	}
	return "The refresh failed; the message below is what the HSS client reported."
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
func resultText(result string) string {
	switch result {
	case "success":
		return "succeeded"
	case "partial":
		return "partly failed"
	case "failure":
		return "failed"
	}
	return result
}

// nodeFault says why HSS does not fully protect a node.
func nodeFault(n collector.NodeView) string {
	var why []string
	switch n.AgentStatus {
	case "online":
	case "not_installed":
		why = append(why, "agent not installed")
	case "":
		why = append(why, "agent state unknown")
	default:
		why = append(why, "agent "+strings.ReplaceAll(n.AgentStatus, "_", " "))
	}
	if n.ProtectStatus != "opened" {
		why = append(why, "protection "+cmp.Or(n.ProtectStatus, "state unknown"))
	}
	if n.Interrupted {
		why = append(why, "protection interrupted")
	}
	if n.Degraded {
		reason := "protection degraded"
		if n.DegradationReason != "" {
			reason += " (" + n.DegradationReason + ")"
		}
		why = append(why, reason)
	}
	return strings.Join(why, ", ")
}

// States of a posture part, in postureReport.State.
const (
	postureOff     = "off"     // turned off in the configuration
	postureShard   = "shard"   // read by shard 0 only
	postureUnread  = "unread"  // the client cannot read it
	posturePending = "pending" // no read has finished yet
	postureUp      = "up"      // the last read succeeded
	postureFailing = "failing" // the last read failed; the last good data is shown
	postureDropped = "dropped" // failing, and no data younger than max_staleness
)

func postureState(p collector.PosturePart) string {
	switch {
	case p.Off == collector.PostureOffConfig:
		return postureOff
	case p.Off == collector.PostureOffShard:
		return postureShard
	case p.Off != "":
		return postureUnread
	case !p.Ran:
		return posturePending
	case p.Up:
		return postureUp
	case p.Shown:
		return postureFailing
	}
	return postureDropped
}

// postureStateText is a part's state in plain words.
func postureStateText(state string) string {
	return map[string]string{
		postureOff:     "turned off in the configuration (posture)",
		postureShard:   "read by shard 0 only",
		postureUnread:  "not read",
		posturePending: "waiting for the first read",
		postureUp:      "read",
		postureFailing: "the last read failed; its last good data is shown until max_staleness",
		postureDropped: "the last read failed, and nothing younger than max_staleness is left to show",
	}[state]
}

// blindSpotsSummary says in one sentence where the target is blind.
func blindSpotsSummary(b *blindSpotsReport, v collector.PostureView) string {
	shown := map[string]bool{}
	for _, p := range v.Parts {
		shown[p.Part] = p.Shown
	}
	var parts []string
	if shown["nodes"] {
		switch {
		case b.NodesAtFaultTotal == 0:
			parts = append(parts, fmt.Sprintf("HSS fully protects all %s it lists", counted(b.Nodes, "node")))
		case b.InventoryShown:
			parts = append(parts, fmt.Sprintf("%s on the %s of %s HSS does not fully protect",
				counted(b.ContainersOnNodesAtFault, "container"), thousands(b.NodesAtFaultTotal), counted(b.Nodes, "node")))
		default:
			parts = append(parts, fmt.Sprintf("HSS does not fully protect %s of %s",
				thousands(b.NodesAtFaultTotal), counted(b.Nodes, "node")))
		}
		if b.UnlistedHostsTotal > 0 {
			parts = append(parts, fmt.Sprintf("%s on %s HSS does not list as a node at all",
				counted(b.ContainersOnUnlistedHosts, "container"), counted(b.UnlistedHostsTotal, "host")))
		}
	}
	if shown["events"] {
		parts = append(parts, fmt.Sprintf("%s in the last %s", counted(int(b.UnhandledEventsTotal), "unhandled security event"),
			counted(b.EventsLastDays, "day")))
	}
	if shown["quotas"] {
		var exhausted []string
		for _, q := range b.Quotas {
			if q.Exhausted {
				exhausted = append(exhausted, q.Edition)
			}
		}
		if len(exhausted) > 0 {
			parts = append(parts, "no protection quota left for "+strings.Join(exhausted, ", ")+": a new node of that edition joins unprotected")
		} else {
			parts = append(parts, "protection quota left for every edition")
		}
	}
	if len(parts) == 0 {
		return "No posture data is shown: see the state of each part below."
	}
	s := strings.Join(parts, "; ") + "."
	return strings.ToUpper(s[:1]) + s[1:]
}

// counted writes n and the noun, plural unless n is 1: "1 node", "1,204 containers".
func counted(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}
