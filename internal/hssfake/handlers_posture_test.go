package hssfake

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/stretchr/testify/require"
)

const (
	nodesPath    = "/v5/" + DemoProjectID + "/container/nodes"
	severityPath = "/v5/" + DemoProjectID + "/event/severity"
	quotasPath   = "/v5/" + DemoProjectID + "/billing/quotas"
)

// sendSigned sends a signed GET with region as the region header ("" for
// none).
func sendSigned(t *testing.T, s *Server, clock *testclock.Clock, path, query, region string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path+"?"+query, nil)
	require.NoError(t, err)
	if region != "" {
		req.Header.Set("region", region)
	}
	testSigner{ak: DemoAccessKey, sk: DemoSecretKey}.sign(req, clock.Now())
	return do(t, req)
}

func TestPostureAPIsValidateLikeTheRealOnes(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, Generate(GenerateOptions{Seed: 1, Containers: 500})))
	long := strings.Repeat("a", 129)
	tests := []struct {
		name, path, query, region string
		status                    int
		code                      string
	}{
		{"nodes ok", nodesPath, "limit=200", DemoRegion, 200, ""},
		{"nodes ok without region", nodesPath, "", "", 200, ""},
		{"nodes wrong region", nodesPath, "", "cn-east-3", 400, "HSS.0001"},
		{"nodes wrong project", strings.Replace(nodesPath, DemoProjectID, "0000", 1), "", DemoRegion, 403, "HSS.0013"},
		{"nodes limit below 10", nodesPath, "limit=9", DemoRegion, 400, "HSS.0001"},
		{"nodes limit above 200", nodesPath, "limit=201", DemoRegion, 400, "HSS.0001"},
		{"nodes offset too large", nodesPath, "offset=2000001", DemoRegion, 400, "HSS.0001"},
		{"nodes bad agent_status", nodesPath, "agent_status=up", DemoRegion, 400, "HSS.0001"},
		{"nodes agent_status installing", nodesPath, "agent_status=installing", DemoRegion, 200, ""},
		{"nodes bad protect_status", nodesPath, "protect_status=on", DemoRegion, 400, "HSS.0001"},
		{"nodes bad container_tags", nodesPath, "container_tags=k8s", DemoRegion, 400, "HSS.0001"},
		{"nodes host_name too long", nodesPath, "host_name=" + long, DemoRegion, 400, "HSS.0001"},
		{"severity ok", severityPath, "category=host&last_days=7&handle_status=unhandled", DemoRegion, 200, ""},
		{"severity ok without region", severityPath, "category=container", "", 200, ""},
		{"severity wrong region", severityPath, "category=host", "cn-east-3", 400, "HSS.0001"},
		{"severity without category", severityPath, "last_days=7", DemoRegion, 400, "HSS.0001"},
		{"severity bad category", severityPath, "category=vm", DemoRegion, 400, "HSS.0001"},
		{"severity last_days with begin_time", severityPath, "category=host&last_days=7&begin_time=1", DemoRegion, 400, "HSS.0001"},
		{"severity last_days with end_time", severityPath, "category=host&last_days=7&end_time=1", DemoRegion, 400, "HSS.0001"},
		{"severity last_days 0", severityPath, "category=host&last_days=0", DemoRegion, 400, "HSS.0001"},
		{"severity last_days 31", severityPath, "category=host&last_days=31", DemoRegion, 400, "HSS.0001"},
		{"severity last_days not a number", severityPath, "category=host&last_days=7d", DemoRegion, 400, "HSS.0001"},
		{"severity begin after end", severityPath, "category=host&begin_time=2000&end_time=1000", DemoRegion, 400, "HSS.0001"},
		{"severity negative begin", severityPath, "category=host&begin_time=-1", DemoRegion, 400, "HSS.0001"},
		{"severity bad handle_status", severityPath, "category=host&handle_status=open", DemoRegion, 400, "HSS.0001"},
		{"severity bad severity", severityPath, "category=host&severity=low", DemoRegion, 400, "HSS.0001"},
		{"severity bad severity_list", severityPath, "category=host&severity_list=High&severity_list=Urgent", DemoRegion, 400, "HSS.0001"},
		{"severity bad event_type", severityPath, "category=host&event_type=malware", DemoRegion, 400, "HSS.0001"},
		{"quotas ok", quotasPath, "", "", 200, ""},
		{"quotas ok with region", quotasPath, "version=hss.version.basic", DemoRegion, 200, ""},
		{"quotas wrong region", quotasPath, "", "cn-east-3", 400, "HSS.0001"},
		{"quotas bad version", quotasPath, "version=hss.version.gold", DemoRegion, 400, "HSS.0001"},
		{"quotas bad charging_mode", quotasPath, "charging_mode=monthly", DemoRegion, 400, "HSS.0001"},
		{"quotas wrong project", strings.Replace(quotasPath, DemoProjectID, "0000", 1), "", "", 403, "HSS.0013"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := sendSigned(t, s, clock, tc.path, tc.query, tc.region)
			require.Equal(t, tc.status, resp.status, string(resp.body))
			require.Len(t, resp.header.Get("X-Request-Id"), 32)
			if tc.code != "" {
				var e errBody
				resp.decode(t, &e)
				require.Equal(t, tc.code, e.ErrorCode)
				require.NotContains(t, e.ErrorMsg, long, "a value is never echoed")
			}
		})
	}
}

func TestPostureAPIsNeedAValidSignature(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	for _, path := range []string{nodesPath, severityPath + "?category=host", quotasPath} {
		req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
		require.NoError(t, err)
		testSigner{ak: DemoAccessKey, sk: "wrong-secret"}.sign(req, clock.Now())
		resp := do(t, req)
		require.Equal(t, http.StatusUnauthorized, resp.status, path)
		require.Contains(t, string(resp.body), "APIG.0301")
	}
	ops := map[string]bool{}
	for _, f := range s.AuthFailures() {
		ops[f.Operation] = true
	}
	require.Equal(t, map[string]bool{OpListContainerNodes: true, OpShowEventSeverity: true, OpShowResourceQuotas: true}, ops)
}

func TestPostureAPIsTakeFaultsAndTheRateLimit(t *testing.T) {
	t.Parallel()
	clock := newClock()
	opts := testOptions(clock, smallFleet())
	opts.RateLimit = RateLimit{Default: 2}
	s := startServer(t, opts)
	s.SetFaults(Faults{Rules: []Fault{
		{Operation: OpListContainerNodes, Kind: FaultStatus, Status: 500, Times: 1},
		{Operation: OpShowEventSeverity, Kind: FaultStatus, Status: 503, Times: 1},
		{Operation: OpShowResourceQuotas, Kind: FaultMalformedJSON, Times: 1},
	}})
	// A status fault answers before the gateway counts the call; a body
	// fault damages an answer that was served, and counted.
	tests := []struct {
		path, query string
		want        []int
	}{
		{nodesPath, "", []int{500, 200, 200, 429}},
		{severityPath, "category=host", []int{503, 200, 200, 429}},
		{quotasPath, "", []int{200, 200, 429}},
	}
	for _, tc := range tests {
		var got []int
		for i := range tc.want {
			resp := get(t, s, clock, tc.path, tc.query)
			got = append(got, resp.status)
			if tc.path == quotasPath && i == 0 {
				require.Equal(t, malformedBody, string(resp.body))
			}
		}
		require.Equal(t, tc.want, got, "%s: each API has its own budget", tc.path)
	}
	require.Equal(t, map[string]int{OpListContainerNodes: 1, OpShowEventSeverity: 1, OpShowResourceQuotas: 1}, s.ThrottledCount())
	clock.Advance(time.Minute)
	require.Equal(t, 200, get(t, s, clock, nodesPath, "").status)
}

// nodeRow is what a client decodes of ContainerNodeInfo.
type nodeRow struct {
	AgentID            string `json:"agent_id"`
	HostID             string `json:"host_id"`
	HostName           string `json:"host_name"`
	HostStatus         string `json:"host_status"`
	AgentStatus        string `json:"agent_status"`
	ProtectStatus      string `json:"protect_status"`
	ProtectInterrupt   bool   `json:"protect_interrupt"`
	ProtectDegradation bool   `json:"protect_degradation"`
	DegradationReason  string `json:"degradation_reason"`
	ContainerTags      string `json:"container_tags"`
	ResourceID         string `json:"resource_id"`
	DetectResult       string `json:"detect_result"`
	Asset              int64  `json:"asset"`
	Vulnerability      int64  `json:"vulnerability"`
	Intrusion          int64  `json:"intrusion"`
}

type nodeRows struct {
	TotalNum int64     `json:"total_num"`
	DataList []nodeRow `json:"data_list"`
}

// allNodes pages ListContainerNodes with extra query pairs.
func allNodes(t *testing.T, s *Server, clock *testclock.Clock, limit int, pairs ...string) (rows []nodeRow, pages int) {
	t.Helper()
	for offset := 0; ; offset += limit {
		var page nodeRows
		query := rawQuery(append([]string{"offset", itoa(offset), "limit", itoa(limit)}, pairs...)...)
		get(t, s, clock, nodesPath, query).decode(t, &page)
		pages++
		rows = append(rows, page.DataList...)
		if len(page.DataList) < limit {
			return rows, pages
		}
	}
}

func wantRow(n Node) nodeRow {
	return nodeRow{AgentID: n.AgentID, HostID: n.HostID, HostName: n.HostName, HostStatus: n.HostStatus,
		AgentStatus: n.AgentStatus, ProtectStatus: n.ProtectStatus, ProtectInterrupt: n.ProtectInterrupt,
		ProtectDegradation: n.ProtectDegradation, DegradationReason: n.DegradationReason,
		ContainerTags: n.ContainerTags, ResourceID: n.ResourceID, DetectResult: n.DetectResult,
		Asset: n.Asset, Vulnerability: n.Vulnerability, Intrusion: n.Intrusion}
}

func TestNodesPageThroughTheFleet(t *testing.T) {
	t.Parallel()
	clock := newClock()
	f := Generate(GenerateOptions{Seed: 2, Containers: 8000}) // 320 hosts
	s := startServer(t, testOptions(clock, f))
	rows, pages := allNodes(t, s, clock, 200, "enterprise_project_id", AllEnterpriseProjects)
	var want []nodeRow
	for _, n := range f.Nodes() {
		want = append(want, wantRow(n))
	}
	require.Greater(t, len(want), 200)
	require.Equal(t, want, rows)
	require.Equal(t, 2, pages)

	var first nodeRows
	get(t, s, clock, nodesPath, "").decode(t, &first)
	require.Len(t, first.DataList, 10, "limit defaults to 10")
	require.EqualValues(t, len(f.NodesIn("")), first.TotalNum, "the default enterprise project only")
	require.Less(t, len(f.NodesIn("")), len(want))
}

func TestNodeFilters(t *testing.T) {
	t.Parallel()
	clock := newClock()
	f := Generate(GenerateOptions{Seed: 3, Containers: 2000})
	s := startServer(t, testOptions(clock, f))
	count := func(keep func(Node) bool) int {
		n := 0
		for _, node := range f.NodesIn(AllEnterpriseProjects) {
			if keep(node) {
				n++
			}
		}
		return n
	}
	tests := map[string]struct {
		pairs []string
		keep  func(Node) bool
	}{
		"offline":   {[]string{"agent_status", "offline"}, func(n Node) bool { return n.AgentStatus == AgentOffline }},
		"installed": {[]string{"agent_status", "installed"}, func(n Node) bool { return n.AgentStatus != AgentNotInstalled }},
		"no agent":  {[]string{"agent_status", "not_installed"}, func(n Node) bool { return n.AgentStatus == AgentNotInstalled }},
		"closed":    {[]string{"protect_status", "closed"}, func(n Node) bool { return n.ProtectStatus == ProtectClosed }},
		"other":     {[]string{"container_tags", "other"}, func(n Node) bool { return n.ContainerTags == NodeTagOther }},
		"name":      {[]string{"host_name", "docker"}, func(n Node) bool { return strings.Contains(n.HostName, "docker") }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rows, _ := allNodes(t, s, clock, 200, append([]string{"enterprise_project_id", AllEnterpriseProjects}, tc.pairs...)...)
			want := count(tc.keep)
			require.Positive(t, want)
			require.Len(t, rows, want)
		})
	}
	rows, _ := allNodes(t, s, clock, 200, "enterprise_project_id", GeneratedEnterpriseProjectA)
	require.Len(t, rows, len(f.NodesIn(GeneratedEnterpriseProjectA)))
	require.NotEmpty(t, rows)
}
