package hssfake

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// smallFleet: nginx with 3 containers on two hosts (one in a pod), an SWR
// image with one plain Docker container with a public IP, redis with none,
// and an image in enterprise project ep-x with 2 containers.
func smallFleet() *Fleet {
	scan := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	return NewFleet([]Image{
		{ID: "img-a", Name: "nginx", Version: "1.25.3", Digest: "sha256:aaa", ScanStatus: "success",
			SeverityLevel: "High", VulNum: 1 << 33, ComponentNum: 12, Size: 187 << 20,
			LatestScanTime: scan, LatestUpdateTime: scan.Add(-time.Hour)},
		{ID: "img-b", Name: "swr.cn-north-4.myhuaweicloud.com/shop/cart", Version: "2", Digest: "sha256:bbb"},
		{ID: "img-c", Name: "redis", Version: "7", Digest: "sha256:ccc"},
		{ID: "img-d", Name: "secret-app", Version: "1.0", Digest: "sha256:ddd", EnterpriseProjectID: "ep-x"},
	}, []Container{
		{ImageID: "img-a", ID: "c1", Name: "web-1", HostID: "h1", HostName: "node-1", AgentID: "ag1", PodID: "p1", PodName: "web-abc"},
		{ImageID: "img-b", ID: "c2", Name: "/cart", HostID: "h2", HostName: "node-2", AgentID: "ag2", PublicIP: "121.36.0.1"},
		{ImageID: "img-a", ID: "c3", Name: "web-2", HostID: "h1", HostName: "node-1", AgentID: "ag1"},
		{ImageID: "img-a", ID: "c4", Name: "web-3", HostID: "h2", HostName: "node-2", AgentID: "ag2"},
		{ImageID: "img-d", ID: "c5", Name: "s-1", HostID: "h3", HostName: "node-3", AgentID: "ag3", EntryPoint: "app --password=hunter2"},
		{ImageID: "img-d", ID: "c6", Name: "s-2", HostID: "h3", HostName: "node-3", AgentID: "ag3"},
	})
}

type errBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

func TestListValidation(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	wrongProject := strings.Replace(containersPath, DemoProjectID, "0000", 1)
	tests := []struct {
		name, path, query, region string
		status                    int
		code                      string
	}{
		{"containers ok", containersPath, "limit=10", DemoRegion, 200, ""},
		{"images ok without region", imagesPath, "limit=200&offset=0", "", 200, ""},
		{"wrong project", wrongProject, "", DemoRegion, 403, "HSS.0013"},
		{"wrong project images", strings.Replace(imagesPath, DemoProjectID, "0000", 1), "", DemoRegion, 403, "HSS.0013"},
		{"missing region", containersPath, "", "", 400, "HSS.0001"},
		{"wrong region", containersPath, "", "cn-east-3", 400, "HSS.0001"},
		{"images wrong region", imagesPath, "", "cn-east-3", 400, "HSS.0001"},
		{"limit below 10", containersPath, "limit=9", DemoRegion, 400, "HSS.0001"},
		{"limit above 200", imagesPath, "limit=201", DemoRegion, 400, "HSS.0001"},
		{"limit not a number", containersPath, "limit=abc", DemoRegion, 400, "HSS.0001"},
		{"limit empty", containersPath, "limit=", DemoRegion, 400, "HSS.0001"},
		{"negative offset", containersPath, "offset=-1", DemoRegion, 400, "HSS.0001"},
		{"offset too large", imagesPath, "offset=2000001", DemoRegion, 400, "HSS.0001"},
		{"bad scan_status", imagesPath, "scan_status=done", DemoRegion, 400, "HSS.0001"},
		{"bad has_container", imagesPath, "has_container=yes", DemoRegion, 400, "HSS.0001"},
		{"unknown path", "/v5/" + DemoProjectID + "/image/other", "", DemoRegion, 404, "APIG.0101"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, s.URL+tc.path+"?"+tc.query, nil)
			require.NoError(t, err)
			if tc.region != "" {
				req.Header.Set("region", tc.region)
			}
			testSigner{ak: DemoAccessKey, sk: DemoSecretKey}.sign(req, clock.Now())
			resp := do(t, req)
			require.Equal(t, tc.status, resp.status, string(resp.body))
			require.Len(t, resp.header.Get("X-Request-Id"), 32)
			if tc.code != "" {
				var e errBody
				resp.decode(t, &e)
				require.Equal(t, tc.code, e.ErrorCode)
				require.NotEmpty(t, e.ErrorMsg)
			}
		})
	}
}

func TestUnauthenticatedAnswersGatewayError(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	for name, set := range map[string]func(*http.Request){
		"none":        func(*http.Request) {},
		"bogus token": func(r *http.Request) { r.Header.Set("X-Auth-Token", "MIIbogus-token-value") },
		"wrong sk": func(r *http.Request) {
			testSigner{ak: DemoAccessKey, sk: "wrong"}.sign(r, clock.Now())
		},
	} {
		req, _ := http.NewRequest(http.MethodGet, s.URL+containersPath, nil)
		req.Header.Set("region", DemoRegion)
		set(req)
		resp := do(t, req)
		require.Equal(t, http.StatusUnauthorized, resp.status, name)
		var e errBody
		resp.decode(t, &e)
		require.Equal(t, "APIG.0301", e.ErrorCode, name)
		require.Equal(t, resp.header.Get("X-Request-Id"), e.RequestID, name)
		for _, secret := range []string{"MIIbogus", "Signature", DemoSecretKey, "wrong"} {
			require.NotContains(t, string(resp.body), secret, name)
		}
	}
	require.Equal(t, 3, s.Requests(OpListLocalImageContainers, 401))
	reasons := []AuthFailureReason{}
	for _, f := range s.AuthFailures() {
		reasons = append(reasons, f.Reason)
	}
	require.ElementsMatch(t, []AuthFailureReason{ReasonNoCredentials, ReasonTokenUnknown, ReasonSignatureMismatch}, reasons)
}

func TestLockoutAfterFiveFailures(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	send := func(sk string) response {
		req, _ := http.NewRequest(http.MethodGet, s.URL+containersPath, nil)
		req.Header.Set("region", DemoRegion)
		testSigner{ak: DemoAccessKey, sk: sk}.sign(req, clock.Now())
		return do(t, req)
	}
	for range 4 {
		require.Equal(t, 401, send("wrong").status)
	}
	require.Equal(t, 200, send(DemoSecretKey).status, "a success resets the count")
	for range 5 {
		require.Equal(t, 401, send("wrong").status)
	}
	resp := send(DemoSecretKey)
	require.Equal(t, 401, resp.status, "locked even with the right key")
	require.Contains(t, string(resp.body), "locked")
	fails := s.AuthFailures()
	require.Equal(t, ReasonLocked, fails[len(fails)-1].Reason)
	require.Equal(t, DemoAccessKey, fails[len(fails)-1].AccessKey)
	clock.Advance(5 * time.Minute)
	require.Equal(t, 200, send(DemoSecretKey).status, "unlocked after 5 minutes")
}

func TestContainersPagingAndFilters(t *testing.T) {
	t.Parallel()
	clock := newClock()
	var cs []Container
	for i := range 25 {
		cs = append(cs, Container{ImageID: "img", ID: fmt.Sprintf("c%02d", i), AgentID: fmt.Sprintf("ag%d", i%2)})
	}
	s := startServer(t, testOptions(clock, NewFleet([]Image{{ID: "img", Name: "team a/app", Version: "β"}}, cs)))
	var ids []string
	for _, tc := range []struct{ offset, want int }{{0, 10}, {10, 10}, {20, 5}, {30, 0}} {
		var page containerPage
		resp := get(t, s, clock, containersPath, rawQuery("image_name", "team a/app", "image_version", "β",
			"offset", fmt.Sprint(tc.offset), "limit", "10"))
		require.Equal(t, 200, resp.status, string(resp.body))
		resp.decode(t, &page)
		require.EqualValues(t, 25, page.TotalNum)
		require.Len(t, page.DataList, tc.want)
		for _, c := range page.DataList {
			ids = append(ids, c.ContainerID)
		}
	}
	want := []string{}
	for _, c := range cs {
		want = append(want, c.ID)
	}
	require.Equal(t, want, ids, "every container once, in a stable order")
	require.Equal(t, 4, s.Requests(OpListLocalImageContainers, 200))

	img := s.Fleet().Images()[0]
	for q, n := range map[string]int64{
		rawQuery("image_digest", img.Digest):                         25,
		rawQuery("image_name", "team a/app", "image_version", "old"): 0,
		rawQuery("container_id", "c07"):                              1,
		rawQuery("agent_id", "ag1"):                                  12,
	} {
		var page containerPage
		get(t, s, clock, containersPath, q).decode(t, &page)
		require.Equal(t, n, page.TotalNum, q)
	}
}

func TestEnterpriseProjects(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	for ep, want := range map[string]int64{"": 4, AllEnterpriseProjects: 6, "ep-x": 2, "ep-none": 0} {
		var page containerPage
		q := ""
		if ep != "" {
			q = rawQuery("enterprise_project_id", ep)
		}
		get(t, s, clock, containersPath, q).decode(t, &page)
		require.Equal(t, want, page.TotalNum, ep)
		require.Equal(t, int(want), s.Fleet().Truth(ep).Containers, ep)
	}

	opts := testOptions(clock, smallFleet())
	opts.GrantedEnterpriseProjects = []string{"ep-x"}
	limited := startServer(t, opts)
	resp := get(t, limited, clock, imagesPath, "")
	require.Equal(t, 400, resp.status)
	require.Contains(t, string(resp.body), "HSS.0013")
	var page imagePage
	get(t, limited, clock, imagesPath, rawQuery("enterprise_project_id", AllEnterpriseProjects)).decode(t, &page)
	require.EqualValues(t, 1, page.TotalNum, "all_granted_eps sees only the granted project")
}
