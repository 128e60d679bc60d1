package hssfake

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// severityCounts is ShowEventSeverityResponse.
type severityCounts struct {
	TotalNum    int `json:"total_num"`
	LowNum      int `json:"low_num"`
	MediumNum   int `json:"medium_num"`
	HighNum     int `json:"high_num"`
	CriticalNum int `json:"critical_num"`
}

var (
	eventEnums = map[string][]string{
		"category":      {CategoryHost, CategoryContainer, CategoryServerless},
		"handle_status": {EventUnhandled, EventHandled},
		"severity":      severityLevels,
		"attack_tag": {"attack_success", "attack_attempt", "attack_blocked", "abnormal_behavior",
			"collapsible_host", "system_vulnerability"},
		"asset_value": {"important", "common", "test"},
	}
	severityLevels = []string{"Security", "Low", "Medium", "High", "Critical"}
)

// Bounds of last_days: ListSecurityEvents documents 1 to 30 for the same
// parameter of the same event store.
const (
	minLastDays = 1
	maxLastDays = 30
)

// eventFilter is a validated ShowEventSeverity query.
type eventFilter struct {
	query      map[string]string
	severities []string // severity_list
	from, to   int64    // Unix ms, inclusive
	maxAge     time.Duration
}

// handleEventSeverity is ShowEventSeverity: counts, not paged. category is
// required; last_days excludes begin_time and end_time. tag_list and att_ck
// are accepted but not modelled. The region header is optional, as in the
// SDK's request model, but must name this region when sent.
func (s *Server) handleEventSeverity(w http.ResponseWriter, r *http.Request) {
	req, ok := s.admit(w, r, OpShowEventSeverity, false)
	if !ok || !checkEnums(w, req.query, eventEnums) ||
		!checkLength(w, req.query, "host_name", "host_id", "container_name", "event_name") {
		return
	}
	filter, bad := parseEventFilter(r.URL.RawQuery, req.query, s.now())
	if bad != "" {
		invalidParam(w, bad)
		return
	}
	var c EventCounts
	now := s.now()
	for _, e := range s.Fleet().postureView().events {
		if s.epVisible(req, orDefault(e.EnterpriseProjectID)) && filter.matches(e, now) {
			c.add(e.Severity)
		}
	}
	writeJSON(w, http.StatusOK, severityCounts{TotalNum: c.Total, LowNum: c.Low,
		MediumNum: c.Medium, HighNum: c.High, CriticalNum: c.Critical})
}

// parseEventFilter checks the parameters enums cannot and returns the name
// of the first bad one.
func parseEventFilter(raw string, q map[string]string, now time.Time) (eventFilter, string) {
	f := eventFilter{query: q, to: now.UnixMilli()}
	if q["category"] == "" {
		return f, "category"
	}
	_, hasDays := q["last_days"]
	_, hasBegin := q["begin_time"]
	_, hasEnd := q["end_time"]
	if hasDays && (hasBegin || hasEnd) {
		return f, "last_days"
	}
	days, ok := intParam(q, "last_days", 0, minLastDays, maxLastDays)
	if !ok {
		return f, "last_days"
	}
	f.maxAge = time.Duration(days) * 24 * time.Hour
	if f.from, ok = msParam(q, "begin_time", 0); !ok {
		return f, "begin_time"
	}
	if f.to, ok = msParam(q, "end_time", f.to); !ok || f.to < f.from {
		return f, "end_time"
	}
	if _, present := q["event_type"]; present {
		if _, err := strconv.Atoi(q["event_type"]); err != nil {
			return f, "event_type"
		}
	}
	f.severities = queryValues(raw, "severity_list")
	for _, v := range f.severities {
		if !slices.Contains(severityLevels, v) {
			return f, "severity_list"
		}
	}
	return f, ""
}

// msParam parses a millisecond timestamp (0 to MaxInt64), or returns def
// when the parameter is absent.
func msParam(q map[string]string, name string, def int64) (int64, bool) {
	v, present := q[name]
	if !present {
		return def, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n >= 0
}

func (f eventFilter) matches(e Event, now time.Time) bool {
	q := f.query
	at := now.Add(-e.Age).UnixMilli()
	switch {
	case e.Category != q["category"],
		f.maxAge > 0 && e.Age >= f.maxAge,
		at < f.from || at > f.to,
		len(f.severities) > 0 && !slices.Contains(f.severities, e.Severity),
		q["event_type"] != "" && q["event_type"] != strconv.Itoa(e.EventType):
		return false
	}
	for _, p := range [...][2]string{{"handle_status", e.HandleStatus}, {"severity", e.Severity},
		{"host_name", e.HostName}, {"host_id", e.HostID}, {"private_ip", e.PrivateIP},
		{"public_ip", e.PublicIP}, {"container_name", e.ContainerName}, {"attack_tag", e.AttackTag},
		{"asset_value", e.AssetValue}, {"event_name", e.EventName}} {
		if q[p[0]] != "" && q[p[0]] != p[1] {
			return false
		}
	}
	return true
}

// queryValues returns every value of key in the raw query, in order: the
// SDK sends a list parameter as the key repeated.
func queryValues(raw, key string) []string {
	var out []string
	for _, part := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(part, "=")
		if dk, err := url.PathUnescape(k); err != nil || dk != key {
			continue
		}
		if dv, err := url.PathUnescape(v); err == nil {
			out = append(out, dv)
		}
	}
	return out
}
