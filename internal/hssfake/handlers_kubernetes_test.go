package hssfake

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/stretchr/testify/require"
)

const kubePath = "/v5/" + DemoProjectID + "/container/kubernetes"

// kubeRows pages ListContainers at limit with the extra query pairs and
// returns every row, failing on a row seen twice.
func kubeRows(t *testing.T, s *Server, clock *testclock.Clock, limit int, pairs ...string) []containerBaseInfo {
	t.Helper()
	var rows []containerBaseInfo
	seen := map[string]bool{}
	for offset := 0; ; offset += limit {
		var page kubePage
		resp := get(t, s, clock, kubePath, rawQuery(append(pairs, "offset", itoa(offset), "limit", itoa(limit))...))
		require.Equal(t, http.StatusOK, resp.status, string(resp.body))
		resp.decode(t, &page)
		for _, row := range page.DataList {
			require.False(t, seen[row.ContainerID], "row %s listed twice", row.ContainerID)
			seen[row.ContainerID] = true
		}
		rows = append(rows, page.DataList...)
		if len(page.DataList) < limit {
			require.EqualValues(t, len(rows), page.TotalNum)
			return rows
		}
	}
}

func TestListContainersValidatesLikeTheRealOne(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, Generate(GenerateOptions{Seed: 3, Containers: 300})))
	long := strings.Repeat("a", 129)
	tests := []struct {
		name, query, region string
		status              int
		code                string
	}{
		{"ok", "limit=200", DemoRegion, 200, ""},
		{"ok without region", "", "", 200, ""},
		{"ok with every filter", rawQuery("container_name", "k8s_ x", "pod_name", "web", "image_name", "nginx:1",
			"cluster_container", "true", "enterprise_project_id", AllEnterpriseProjects), DemoRegion, 200, ""},
		{"wrong region", "", "cn-east-3", 400, "HSS.0001"},
		{"limit below 10", "limit=9", DemoRegion, 400, "HSS.0001"},
		{"limit above 200", "limit=201", DemoRegion, 400, "HSS.0001"},
		{"limit not a number", "limit=ten", DemoRegion, 400, "HSS.0001"},
		{"negative offset", "offset=-1", DemoRegion, 400, "HSS.0001"},
		{"offset too large", "offset=2000001", DemoRegion, 400, "HSS.0001"},
		{"bad cluster_container", "cluster_container=yes", DemoRegion, 400, "HSS.0001"},
		{"container_name too long", "container_name=" + long, DemoRegion, 400, "HSS.0001"},
		{"pod_name too long", "pod_name=" + long, DemoRegion, 400, "HSS.0001"},
		{"image_name too long", "image_name=" + long, DemoRegion, 400, "HSS.0001"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := sendSigned(t, s, clock, kubePath, tc.query, tc.region)
			require.Equal(t, tc.status, resp.status, string(resp.body))
			require.Len(t, resp.header.Get("X-Request-Id"), 32)
			if tc.code != "" {
				var e errBody
				resp.decode(t, &e)
				require.Equal(t, tc.code, e.ErrorCode)
				require.NotEmpty(t, e.ErrorMsg)
				require.NotContains(t, e.ErrorMsg, long, "the message names the parameter, not its value")
			}
		})
	}
	resp := sendSigned(t, s, clock, strings.Replace(kubePath, DemoProjectID, "0000", 1), "", DemoRegion)
	require.Equal(t, http.StatusForbidden, resp.status)
	require.Contains(t, string(resp.body), "HSS.0013")
}

func TestListContainersRefusesAWrongSignature(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, Generate(GenerateOptions{Seed: 3, Containers: 100})))
	for name, sign := range map[string]func(*http.Request){
		"unsigned": func(*http.Request) {},
		"wrong sk": func(r *http.Request) { testSigner{ak: DemoAccessKey, sk: "wrong"}.sign(r, clock.Now()) },
		"query changed after signing": func(r *http.Request) {
			testSigner{ak: DemoAccessKey, sk: DemoSecretKey}.sign(r, clock.Now())
			r.URL.RawQuery = "limit=20"
		},
	} {
		req, err := http.NewRequest(http.MethodGet, s.URL+kubePath+"?limit=10", nil)
		require.NoError(t, err)
		req.Header.Set("region", DemoRegion)
		sign(req)
		resp := do(t, req)
		require.Equal(t, http.StatusUnauthorized, resp.status, name)
		require.Contains(t, string(resp.body), "APIG.0301", name)
	}
	require.Equal(t, 3, s.Requests(OpListContainers, http.StatusUnauthorized))
	require.Zero(t, s.Requests(OpListContainers, http.StatusOK))
}

func TestListContainersDefaultsToTenRowsAndPagesEachPodContainerOnce(t *testing.T) {
	t.Parallel()
	clock := newClock()
	fleet := Generate(GenerateOptions{Seed: 5, Containers: 400})
	s := startServer(t, testOptions(clock, fleet))
	var page kubePage
	get(t, s, clock, kubePath, "").decode(t, &page)
	require.Len(t, page.DataList, defaultLimit)
	require.Equal(t, clock.Now().UnixMilli(), page.LastUpdateTime, "the clock stands on the sync interval")

	want := fleet.ClusterTruth("").Containers
	require.EqualValues(t, want, page.TotalNum)
	var ids []string
	for _, c := range fleet.Containers() {
		if c.PodID != "" && epOfImage(fleet, c.ImageID) == DefaultEnterpriseProject {
			ids = append(ids, c.ID)
		}
	}
	for _, limit := range []int{10, 37, 200} {
		rows := kubeRows(t, s, clock, limit)
		got := make([]string, len(rows))
		for i, r := range rows {
			got[i] = r.ContainerID
		}
		require.Equal(t, ids, got, "limit %d: every pod container of the default project once, in fleet order", limit)
	}
}

func epOfImage(f *Fleet, imageID string) string {
	for _, img := range f.Images() {
		if img.ID == imageID {
			return orDefault(img.EnterpriseProjectID)
		}
	}
	return ""
}

// clusterFleet: three pod containers in two clusters, one pod container no
// cluster manages, a plain Docker one, and a pod container of another
// enterprise project.
func clusterFleet() *Fleet {
	cce := Cluster{Name: "cce-a", ID: "cl-1", Type: ClusterCCE}
	idc := Cluster{Name: "idc-b", ID: "cl-2", Type: ClusterSelfBuiltIDC}
	return NewFleet([]Image{
		{ID: "img-n", Name: "nginx", Version: "1.25.3"},
		{ID: "img-r", Name: "redis", Version: "7"},
		{ID: "img-x", Name: "secret-app", Version: "1", EnterpriseProjectID: "ep-x"},
	}, []Container{
		{ImageID: "img-n", ID: "k1", Name: "k8s_nginx_web-1", PodID: "p1", PodName: "web-1", HostID: "h1", Kube: KubeState{Cluster: cce}},
		{ImageID: "img-n", ID: "k2", Name: "k8s_nginx_web-2", PodID: "p2", PodName: "web-2", HostID: "h1", Kube: KubeState{Cluster: cce}},
		{ImageID: "img-r", ID: "k3", Name: "k8s_redis_cache-1", PodID: "p3", PodName: "cache-1", HostID: "h2", Kube: KubeState{Cluster: idc}},
		{ImageID: "img-r", ID: "k4", Name: "k8s_redis_loose-1", PodID: "p4", PodName: "loose-1", HostID: "h3"},
		{ImageID: "img-r", ID: "d1", Name: "/redis", HostID: "h4"},
		{ImageID: "img-x", ID: "x1", Name: "k8s_secret_s-1", PodID: "p5", PodName: "s-1", HostID: "h5", Kube: KubeState{Cluster: idc}},
	})
}

func TestListContainersFilters(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, clusterFleet()))
	for _, tc := range []struct {
		pairs []string
		want  []string
	}{
		{nil, []string{"k1", "k2", "k3", "k4"}},
		{[]string{"enterprise_project_id", AllEnterpriseProjects}, []string{"k1", "k2", "k3", "k4", "x1"}},
		{[]string{"enterprise_project_id", "ep-x"}, []string{"x1"}},
		{[]string{"container_name", "nginx"}, []string{"k1", "k2"}},
		{[]string{"pod_name", "cache"}, []string{"k3"}},
		{[]string{"image_name", "redis:7"}, []string{"k3", "k4"}},
		{[]string{"image_name", "nginx:1.24"}, nil},
		{[]string{"cluster_container", "true"}, []string{"k1", "k2", "k3"}},
		{[]string{"cluster_container", "false"}, []string{"k4"}},
	} {
		var got []string
		for _, r := range kubeRows(t, s, clock, 10, tc.pairs...) {
			got = append(got, r.ContainerID)
		}
		require.Equal(t, tc.want, got, "%v", tc.pairs)
	}
	rows := kubeRows(t, s, clock, 10, "pod_name", "loose")
	require.Len(t, rows, 1)
	require.Empty(t, rows[0].ClusterName+rows[0].ClusterID+rows[0].ClusterType, "no cluster manages it")
	require.NotEmpty(t, rows[0].Status, "its state is still reported")
}

func TestListContainersHasItsOwnRateLimit(t *testing.T) {
	t.Parallel()
	clock := newClock()
	opts := testOptions(clock, clusterFleet())
	opts.RateLimit = RateLimit{Default: 5}
	s := startServer(t, opts)
	for i := range 5 {
		require.Equal(t, http.StatusOK, get(t, s, clock, kubePath, "").status, "call %d", i+1)
	}
	resp := get(t, s, clock, kubePath, "")
	require.Equal(t, http.StatusTooManyRequests, resp.status)
	require.Contains(t, string(resp.body), "APIG.0308")
	require.Equal(t, 1, s.Throttled(OpListContainers))
	require.Equal(t, http.StatusOK, get(t, s, clock, containersPath, "").status,
		"the local-image listing keeps its own five calls")
	clock.Advance(time.Minute)
	require.Equal(t, http.StatusOK, get(t, s, clock, kubePath, "").status, "the next minute")
}

func TestFaultsApplyToListContainers(t *testing.T) {
	t.Parallel()
	clock := newClock()
	fleet := Generate(GenerateOptions{Seed: 4, Containers: 300})
	s := startServer(t, testOptions(clock, fleet))
	s.SetFaults(Faults{Rules: []Fault{{Operation: OpListContainers, Kind: FaultStatus, Status: http.StatusServiceUnavailable, Times: 1}}})
	require.Equal(t, http.StatusOK, get(t, s, clock, containersPath, "").status, "a rule for ListContainers leaves others alone")
	require.Equal(t, http.StatusServiceUnavailable, get(t, s, clock, kubePath, "").status)
	require.Equal(t, http.StatusOK, get(t, s, clock, kubePath, "").status, "Times: 1")

	listed := kubeRows(t, s, clock, 10)
	s.SetFaults(Faults{RemoveHeadRows: 3, MovingPages: 1})
	var first, second kubePage
	get(t, s, clock, kubePath, "limit=10").decode(t, &first)
	get(t, s, clock, kubePath, "offset=10&limit=10").decode(t, &second)
	require.EqualValues(t, len(listed), first.TotalNum)
	require.EqualValues(t, len(listed)-3, second.TotalNum, "three containers stopped between the pages")
	require.Equal(t, len(listed)-3, fleet.ClusterTruth("").Containers, "and left the fleet")
	require.Equal(t, listed[13].ContainerID, second.DataList[0].ContainerID,
		"the rows behind them moved up: offset paging skips three live ones")
	for _, id := range []string{listed[0].ContainerID, listed[1].ContainerID, listed[2].ContainerID} {
		require.False(t, slices.ContainsFunc(fleet.Containers(), func(c Container) bool { return c.ID == id }),
			"the head of the list left the local-image listing too")
	}
}
