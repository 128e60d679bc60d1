package hssfake

import (
	"math/rand"
	"strconv"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/stretchr/testify/require"
)

type severityRow struct {
	TotalNum    int `json:"total_num"`
	LowNum      int `json:"low_num"`
	MediumNum   int `json:"medium_num"`
	HighNum     int `json:"high_num"`
	CriticalNum int `json:"critical_num"`
}

func (r severityRow) counts() EventCounts {
	return EventCounts{Total: r.TotalNum, Low: r.LowNum, Medium: r.MediumNum, High: r.HighNum, Critical: r.CriticalNum}
}

func severity(t *testing.T, s *Server, clock *testclock.Clock, pairs ...string) EventCounts {
	t.Helper()
	var row severityRow
	resp := get(t, s, clock, severityPath, rawQuery(pairs...))
	require.Equal(t, 200, resp.status, string(resp.body))
	resp.decode(t, &row)
	return row.counts()
}

func TestEventSeverityCountsEqualTheFleet(t *testing.T) {
	t.Parallel()
	clock := newClock()
	f := Generate(GenerateOptions{Seed: 11, Containers: 3000})
	s := startServer(t, testOptions(clock, f))
	for _, category := range []string{CategoryHost, CategoryContainer, CategoryServerless} {
		for _, ep := range []string{"", AllEnterpriseProjects, GeneratedEnterpriseProjectA} {
			got := severity(t, s, clock, "category", category, "handle_status", EventUnhandled,
				"last_days", "7", "enterprise_project_id", ep)
			want := f.EventCounts(EventQuery{Category: category, HandleStatus: EventUnhandled, LastDays: 7, EnterpriseProjectID: ep})
			require.Equal(t, want, got, "%s %q", category, ep)
			require.Equal(t, got.Total, got.Low+got.Medium+got.High+got.Critical)
		}
	}
	all := f.EventCounts(EventQuery{Category: CategoryHost, HandleStatus: EventUnhandled, EnterpriseProjectID: AllEnterpriseProjects})
	week := f.EventCounts(EventQuery{Category: CategoryHost, HandleStatus: EventUnhandled, LastDays: 7, EnterpriseProjectID: AllEnterpriseProjects})
	require.Positive(t, week.High+week.Critical)
	require.Less(t, week.Total, all.Total, "the window matters")
	require.Positive(t, f.EventCounts(EventQuery{Category: CategoryContainer, LastDays: 30, EnterpriseProjectID: AllEnterpriseProjects}).Total)

	// The window follows the server's clock, which the generated ages are
	// relative to: a later clock does not empty it.
	clock.Advance(90 * 24 * time.Hour)
	require.Equal(t, week, severity(t, s, clock, "category", CategoryHost, "handle_status", EventUnhandled,
		"last_days", "7", "enterprise_project_id", AllEnterpriseProjects))
}

func TestEventSeverityTimeRangeAndFilters(t *testing.T) {
	t.Parallel()
	clock := newClock()
	f := Generate(GenerateOptions{Seed: 12, Containers: 3000})
	s := startServer(t, testOptions(clock, f))
	ms := func(d time.Duration) string { return strconv.FormatInt(clock.Now().Add(-d).UnixMilli(), 10) }
	day := 24 * time.Hour
	ep := []string{"enterprise_project_id", AllEnterpriseProjects, "category", CategoryHost}

	byDays := severity(t, s, clock, append(ep, "last_days", "7")...)
	byRange := severity(t, s, clock, append(ep, "begin_time", ms(7*day), "end_time", ms(0))...)
	require.Equal(t, byDays, byRange, "begin_time..end_time of the last 7 days equals last_days=7")
	openEnded := severity(t, s, clock, append(ep, "begin_time", ms(7*day))...)
	require.Equal(t, byDays, openEnded, "end_time defaults to now")
	older := severity(t, s, clock, append(ep, "end_time", ms(7*day))...)
	everything := severity(t, s, clock, ep...)
	require.Equal(t, everything.Total, byDays.Total+older.Total)

	highs := severity(t, s, clock, append(ep, "severity_list", "High", "severity_list", "Critical")...)
	require.Equal(t, EventCounts{Total: everything.High + everything.Critical, High: everything.High,
		Critical: everything.Critical}, highs)
	require.Equal(t, everything.Low, severity(t, s, clock, append(ep, "severity", "Low")...).Total)

	host := f.Events()[0]
	var onHost int
	for _, e := range f.Events() {
		if e.Category == CategoryHost && e.HostID == host.HostID {
			onHost++
		}
	}
	require.Equal(t, onHost, severity(t, s, clock, append(ep, "host_id", host.HostID)...).Total)
	require.Zero(t, severity(t, s, clock, append(ep, "event_type", "99999")...).Total)
}

func TestEventSeverityFollowsChurn(t *testing.T) {
	t.Parallel()
	clock := newClock()
	f := Generate(GenerateOptions{Seed: 13, Containers: 1000})
	s := startServer(t, testOptions(clock, f))
	q := []string{"category", CategoryHost, "handle_status", EventUnhandled, "last_days", "1",
		"enterprise_project_id", AllEnterpriseProjects}
	before := severity(t, s, clock, q...)
	c := f.ChurnNodes(rand.New(rand.NewSource(3)), 200)
	require.Positive(t, c.EventsRaised)
	after := severity(t, s, clock, q...)
	require.Equal(t, f.EventCounts(EventQuery{Category: CategoryHost, HandleStatus: EventUnhandled, LastDays: 1,
		EnterpriseProjectID: AllEnterpriseProjects}), after)
	require.NotEqual(t, before, after)
}

type quotaRows struct {
	DataList []struct {
		Version                string `json:"version"`
		TotalNum               int    `json:"total_num"`
		UsedNum                int    `json:"used_num"`
		AvailableNum           int    `json:"available_num"`
		AvailableResourcesList []struct {
			ResourceID  string `json:"resource_id"`
			CurrentTime string `json:"current_time"`
			SharedQuota string `json:"shared_quota"`
		} `json:"available_resources_list"`
	} `json:"data_list"`
}

// quotas fetches ShowResourceQuotas and returns it as QuotaSummary rows.
func quotas(t *testing.T, s *Server, clock *testclock.Clock, pairs ...string) []QuotaSummary {
	t.Helper()
	var answer quotaRows
	resp := get(t, s, clock, quotasPath, rawQuery(pairs...))
	require.Equal(t, 200, resp.status, string(resp.body))
	resp.decode(t, &answer)
	var out []QuotaSummary
	for _, row := range answer.DataList {
		q := QuotaSummary{Version: row.Version, Total: row.TotalNum, Used: row.UsedNum, Available: row.AvailableNum}
		for _, r := range row.AvailableResourcesList {
			require.Contains(t, []string{"shared", "unshared"}, r.SharedQuota)
			require.NotEmpty(t, r.CurrentTime)
			q.AvailableResources = append(q.AvailableResources, r.ResourceID)
		}
		out = append(out, q)
	}
	return out
}

func TestResourceQuotasEqualTheFleet(t *testing.T) {
	t.Parallel()
	clock := newClock()
	f := Generate(GenerateOptions{Seed: 14, Containers: 2000})
	s := startServer(t, testOptions(clock, f))
	all := quotas(t, s, clock)
	require.Equal(t, f.Quotas(QuotaQuery{}), all)
	require.Len(t, all, 3, "basic, enterprise and container editions")
	require.Equal(t, f.Quotas(QuotaQuery{Version: EditionContainer}), quotas(t, s, clock, "version", EditionContainer))
	onDemand := quotas(t, s, clock, "charging_mode", "on_demand")
	require.Equal(t, f.Quotas(QuotaQuery{ChargingMode: "on_demand"}), onDemand)
	require.NotEqual(t, all, onDemand)
	require.Empty(t, quotas(t, s, clock, "version", EditionWTP))

	f.SetQuotaSpare(EditionContainer, 0)
	for _, row := range quotas(t, s, clock, "version", EditionContainer) {
		require.Zero(t, row.Available)
		require.Positive(t, row.Used)
	}
}
