package hssfake

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/stretchr/testify/require"
)

// limitedServer serves smallFleet under rl on a clock 50 s into a minute,
// so a window boundary is 10 s away.
func limitedServer(t *testing.T, rl RateLimit) (*Server, *testclock.Clock) {
	t.Helper()
	clock := newClock()
	clock.Advance(50 * time.Second)
	opts := testOptions(clock, smallFleet())
	opts.RateLimit = rl
	return startServer(t, opts), clock
}

// statuses sends n signed GETs of path and returns their status codes.
func statuses(t *testing.T, s *Server, clock *testclock.Clock, path string, n int) []int {
	t.Helper()
	out := make([]int, n)
	for i := range out {
		out[i] = get(t, s, clock, path, "").status
	}
	return out
}

func TestRateLimitRefusesCallsPastTheLimitWithTheGatewayAnswer(t *testing.T) {
	t.Parallel()
	s, clock := limitedServer(t, RateLimit{Default: 5})
	require.Equal(t, []int{200, 200, 200, 200, 200}, statuses(t, s, clock, containersPath, 5))
	resp := get(t, s, clock, containersPath, "")
	require.Equal(t, http.StatusTooManyRequests, resp.status)
	var e errBody
	resp.decode(t, &e)
	require.Equal(t, "APIG.0308", e.ErrorCode)
	require.Equal(t, "The throttling threshold has been reached: policy user over ratelimit,limit:5,time:1 minute", e.ErrorMsg)
	require.Len(t, e.RequestID, 32)
	require.Equal(t, e.RequestID, resp.header.Get("X-Request-Id"))
	require.Equal(t, 1, s.Throttled(OpListLocalImageContainers))
	require.Equal(t, 1, s.Requests(OpListLocalImageContainers, http.StatusTooManyRequests))
}

func TestRateLimitWindowsAreFixedMinutesOfTheServerClock(t *testing.T) {
	t.Parallel()
	s, clock := limitedServer(t, RateLimit{Default: 3})
	require.Equal(t, []int{200, 200, 200, 429}, statuses(t, s, clock, containersPath, 4))
	clock.Advance(9 * time.Second) // 08:00:59: same window
	require.Equal(t, []int{429}, statuses(t, s, clock, containersPath, 1))
	clock.Advance(time.Second) // 08:01:00: a new window, though the calls are 10 s old
	require.Equal(t, []int{200, 200, 200, 429}, statuses(t, s, clock, containersPath, 4))
	require.Equal(t, 3, s.Throttled(OpListLocalImageContainers))
}

func TestRateLimitCountsEachOperationApart(t *testing.T) {
	t.Parallel()
	s, clock := limitedServer(t, RateLimit{Default: 2, PerOperation: map[string]int{OpListImageLocal: 4}})
	require.Equal(t, []int{200, 200, 429}, statuses(t, s, clock, containersPath, 3))
	require.Equal(t, []int{200, 200, 200, 200, 429}, statuses(t, s, clock, imagesPath, 5))
	require.Equal(t, map[string]int{OpListLocalImageContainers: 1, OpListImageLocal: 1}, s.ThrottledCount())
}

func TestRateLimitOfZeroLiftsTheLimitForAnOperation(t *testing.T) {
	t.Parallel()
	s, clock := limitedServer(t, RateLimit{Default: 1, PerOperation: map[string]int{OpListImageLocal: 0}})
	require.Equal(t, []int{200, 200, 200}, statuses(t, s, clock, imagesPath, 3))
	require.Equal(t, []int{200, 429}, statuses(t, s, clock, containersPath, 2))
}

func TestRateLimitLeavesIAMAndMetadataEndpointsAlone(t *testing.T) {
	t.Parallel()
	s, _ := limitedServer(t, RateLimit{Default: 1})
	for range 3 {
		resp := postToken(t, s, tokenBody(DemoIAMUser, DemoIAMPassword, DemoIAMDomain, DemoProjectID))
		require.Equal(t, http.StatusCreated, resp.status)
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/openstack/latest/securitykey", nil)
		require.Equal(t, http.StatusOK, do(t, req).status)
	}
	require.Empty(t, s.ThrottledCount())
}

func TestRateLimitCountsPerUser(t *testing.T) {
	t.Parallel()
	s, clock := limitedServer(t, RateLimit{Default: 2})
	token := postToken(t, s, tokenBody(DemoIAMUser, DemoIAMPassword, DemoIAMDomain, DemoProjectID)).header.Get("X-Subject-Token")
	tempKey := func() testSigner {
		var body struct {
			Credential securityKey `json:"credential"`
		}
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/openstack/latest/securitykey", nil)
		do(t, req).decode(t, &body)
		c := body.Credential
		return testSigner{c.Access, c.Secret, c.SecurityToken}
	}
	viaTemp := func(sg testSigner) int {
		req, _ := http.NewRequest(http.MethodGet, s.URL+containersPath, nil)
		req.Header.Set("region", DemoRegion)
		sg.sign(req, clock.Now())
		return do(t, req).status
	}

	require.Equal(t, []int{200, 200, 429}, statuses(t, s, clock, containersPath, 3), "permanent AK")
	require.Equal(t, 200, getWithToken(t, s, token).status, "the IAM user has a budget of its own")
	require.Equal(t, 200, getWithToken(t, s, token).status)
	require.Equal(t, 429, getWithToken(t, s, token).status)
	first, second := tempKey(), tempKey()
	require.Equal(t, 200, viaTemp(first), "the agency has a budget of its own")
	require.Equal(t, 200, viaTemp(second), "every temporary key of the agency shares it")
	require.Equal(t, 429, viaTemp(first))
	require.Equal(t, 3, s.Throttled(OpListLocalImageContainers))
}

func TestRateLimitIgnoresRequestsThatFailAuthentication(t *testing.T) {
	t.Parallel()
	s, clock := limitedServer(t, RateLimit{Default: 2})
	for range 4 {
		require.Equal(t, http.StatusUnauthorized, getWithToken(t, s, "not-a-token").status)
	}
	require.Equal(t, []int{200, 200, 429}, statuses(t, s, clock, containersPath, 3))
	token := postToken(t, s, tokenBody(DemoIAMUser, DemoIAMPassword, DemoIAMDomain, DemoProjectID)).header.Get("X-Subject-Token")
	require.Equal(t, 200, getWithToken(t, s, token).status, "failed token calls did not use the IAM user's budget")
}

func TestRateLimitCountsCallsTheServiceRefuses(t *testing.T) {
	t.Parallel()
	// The gateway counts a call before HSS looks at its parameters.
	s, clock := limitedServer(t, RateLimit{Default: 2})
	require.Equal(t, http.StatusBadRequest, get(t, s, clock, containersPath, "limit=5").status)
	require.Equal(t, http.StatusOK, get(t, s, clock, containersPath, "").status)
	require.Equal(t, http.StatusTooManyRequests, get(t, s, clock, containersPath, "limit=5").status)
}

func TestSetRateLimitChangesTheLimitMidWindow(t *testing.T) {
	t.Parallel()
	s, clock := limitedServer(t, RateLimit{})
	require.Equal(t, []int{200, 200, 200}, statuses(t, s, clock, containersPath, 3))
	s.SetRateLimit(RateLimit{Default: 2})
	require.Equal(t, RateLimit{Default: 2}, s.RateLimit())
	require.Equal(t, []int{429}, statuses(t, s, clock, containersPath, 1), "calls before the change count")
	s.SetRateLimit(RateLimit{PerOperation: map[string]int{OpListLocalImageContainers: 5}})
	require.Equal(t, []int{200, 200, 429}, statuses(t, s, clock, containersPath, 3))
	require.Equal(t, []int{200, 200}, statuses(t, s, clock, imagesPath, 2), "no default any more")
	s.ResetCounts()
	require.Zero(t, s.Throttled(OpListLocalImageContainers))
}

func TestRateLimitHoldsUnderConcurrentCalls(t *testing.T) {
	t.Parallel()
	s, clock := limitedServer(t, RateLimit{Default: 7})
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch get(t, s, clock, containersPath, "").status {
			case http.StatusOK:
				ok.Add(1)
			case http.StatusTooManyRequests:
				refused.Add(1)
			}
		}()
	}
	wg.Wait()
	require.EqualValues(t, 7, ok.Load())
	require.EqualValues(t, 23, refused.Load())
	require.Equal(t, 23, s.Throttled(OpListLocalImageContainers))
}
