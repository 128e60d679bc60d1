package hssfake

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/stretchr/testify/require"
)

// rawGet sends a signed request on a fresh connection (so Go's transport
// cannot silently retry it) and returns the response or transport error.
func rawGet(t *testing.T, ctx context.Context, s *Server, clock *testclock.Clock, path, query string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path+"?"+query, nil)
	require.NoError(t, err)
	req.Header.Set("region", DemoRegion)
	testSigner{ak: DemoAccessKey, sk: DemoSecretKey}.sign(req, clock.Now())
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestStatusFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      Fault
		wantStatus []int
		code       string
		retryAfter string
	}{
		{"429 with Retry-After, twice", Fault{Kind: FaultStatus, Status: 429, RetryAfter: "3", Times: 2},
			[]int{429, 429, 200, 200}, "APIG.0308", "3"},
		{"429 without Retry-After", Fault{Kind: FaultStatus, Status: 429, Times: 1}, []int{429, 200}, "APIG.0308", ""},
		{"500 storm", Fault{Kind: FaultStatus, Status: 500}, []int{500, 500, 500}, "HSS.1000", ""},
		{"502 every third", Fault{Kind: FaultStatus, Status: 502, Every: 3}, []int{200, 200, 502, 200, 200, 502}, "APIG.0201", ""},
		{"503 with Retry-After", Fault{Kind: FaultStatus, Status: 503, RetryAfter: "1", Times: 1}, []int{503, 200}, "APIG.0201", "1"},
		{"other operation untouched", Fault{Operation: OpListImageLocal, Kind: FaultStatus, Status: 500}, []int{200, 200}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			s := startServer(t, testOptions(clock, smallFleet()))
			s.SetFaults(Faults{Rules: []Fault{tc.fault}})
			for i, want := range tc.wantStatus {
				resp, body, err := rawGet(t, context.Background(), s, clock, containersPath, "")
				require.NoError(t, err)
				require.Equal(t, want, resp.StatusCode, "request %d", i)
				if want == 200 {
					continue
				}
				require.Equal(t, tc.retryAfter, resp.Header.Get("Retry-After"))
				var e errBody
				require.NoError(t, json.Unmarshal(body, &e))
				require.Equal(t, tc.code, e.ErrorCode)
				if tc.code == "APIG.0308" {
					require.Contains(t, e.ErrorMsg, "over ratelimit,limit:20,time:1 second")
				}
				if e.ErrorCode[:4] == "APIG" {
					require.Equal(t, resp.Header.Get("X-Request-Id"), e.RequestID)
				}
			}
			for _, want := range tc.wantStatus {
				require.Positive(t, s.Requests(OpListLocalImageContainers, want))
			}
		})
	}
}

func TestBodyFaults(t *testing.T) {
	t.Parallel()
	for _, kind := range []FaultKind{FaultMalformedJSON, FaultCutJSON, FaultTruncatedBody} {
		t.Run(strconv.Itoa(int(kind)), func(t *testing.T) {
			clock := newClock()
			s := startServer(t, testOptions(clock, smallFleet()))
			s.SetFaults(Faults{Rules: []Fault{{Operation: OpListLocalImageContainers, Kind: kind, Times: 1}}})
			resp, body, err := rawGet(t, context.Background(), s, clock, containersPath, "")
			require.NotNil(t, resp)
			require.Equal(t, 200, resp.StatusCode)
			if kind == FaultTruncatedBody {
				require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			} else {
				require.NoError(t, err)
				require.EqualValues(t, len(body), resp.ContentLength)
			}
			var page containerPage
			require.Error(t, json.Unmarshal(body, &page), string(body))

			_, body, err = rawGet(t, context.Background(), s, clock, containersPath, "")
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(body, &page), "only the first answer is damaged")
			require.Equal(t, 2, s.Requests(OpListLocalImageContainers, 200))
		})
	}
}

func TestBodyFaultSendsTheGivenBody(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	s.SetFaults(Faults{Rules: []Fault{{Operation: OpListLocalImageContainers, Kind: FaultBody, Body: `{}`, Times: 1}}})
	resp, body, err := rawGet(t, context.Background(), s, clock, containersPath, "")
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, `{}`, string(body))
	_, body, err = rawGet(t, context.Background(), s, clock, containersPath, "")
	require.NoError(t, err)
	require.Contains(t, string(body), `"data_list"`, "only the first answer is replaced")
}

func TestBodyFaultSparesErrors(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	s.SetFaults(Faults{Rules: []Fault{{Kind: FaultMalformedJSON}}})
	resp, body, err := rawGet(t, context.Background(), s, clock, containersPath, "limit=5")
	require.NoError(t, err)
	require.Equal(t, 400, resp.StatusCode)
	require.Contains(t, string(body), "HSS.0001")
}

func TestConnectionFaults(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))

	s.SetFaults(Faults{Rules: []Fault{{Kind: FaultReset, Times: 1}}})
	_, _, err := rawGet(t, context.Background(), s, clock, containersPath, "")
	require.Error(t, err, "connection reset")
	resp, _, err := rawGet(t, context.Background(), s, clock, containersPath, "")
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)

	s.SetFaults(Faults{Rules: []Fault{{Kind: FaultHang}}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, _, err = rawGet(t, ctx, s, clock, containersPath, "")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Eventually(t, func() bool { return s.Requests(OpListLocalImageContainers, 0) == 2 },
		time.Second, 5*time.Millisecond, "reset and hang are counted without a status")
}

func TestHangReleasedByClose(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s, err := Start(testOptions(clock, smallFleet()))
	require.NoError(t, err)
	s.SetFaults(Faults{Rules: []Fault{{Kind: FaultHang}}})
	done := make(chan error, 1)
	go func() {
		_, _, err := rawGet(t, context.Background(), s, clock, containersPath, "")
		done <- err
	}()
	require.Eventually(t, func() bool { return s.InFlight() == 1 }, time.Second, time.Millisecond)
	s.Close()
	select {
	case err := <-done:
		require.Error(t, err, "no answer, not an empty 200")
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not release a hanging request")
	}
	require.Eventually(t, func() bool { return s.InFlight() == 0 }, time.Second, time.Millisecond)
	require.Equal(t, 1, s.Requests(OpListLocalImageContainers, 0))
}

func TestLatencyFault(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	s.SetFaults(Faults{Rules: []Fault{
		{Operation: OpListImageLocal, Kind: FaultLatency, Delay: 500 * time.Millisecond, Times: 1},
		{Operation: OpListImageLocal, Kind: FaultStatus, Status: 503, Times: 1},
	}})
	start := time.Now()
	resp, _, err := rawGet(t, context.Background(), s, clock, imagesPath, "")
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 500*time.Millisecond)
	require.Equal(t, 503, resp.StatusCode, "latency combines with the next rule")
	start = time.Now()
	resp, _, err = rawGet(t, context.Background(), s, clock, imagesPath, "")
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Less(t, time.Since(start), 500*time.Millisecond, "the latency rule was used up")
}

func TestResetCounts(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	get(t, s, clock, containersPath, "")
	require.Equal(t, map[RequestKey]int{{OpListLocalImageContainers, 200}: 1}, s.RequestCount())
	s.ResetCounts()
	require.Empty(t, s.RequestCount())
	require.Zero(t, s.Requests(OpListLocalImageContainers, 200))
}

func TestPagingFaults(t *testing.T) {
	t.Parallel()
	clock := newClock()
	var cs []Container
	for i := range 30 {
		cs = append(cs, Container{ImageID: "img", ID: "c" + itoa(i)})
	}
	s := startServer(t, testOptions(clock, NewFleet([]Image{{ID: "img", Name: "app", Version: "1"}}, cs)))
	walk := func(limit int) (totals []int64, ids []string) {
		for offset := 0; offset < 1000; offset += limit {
			var page containerPage
			resp := get(t, s, clock, containersPath, "limit="+itoa(limit)+"&offset="+itoa(offset))
			require.Equal(t, 200, resp.status, string(resp.body))
			resp.decode(t, &page)
			totals = append(totals, page.TotalNum)
			for _, c := range page.DataList {
				ids = append(ids, c.ContainerID)
			}
			if len(page.DataList) < limit || int64(offset+limit) >= page.TotalNum {
				return totals, ids
			}
		}
		return totals, ids
	}

	s.SetFaults(Faults{TotalDrift: 7})
	totals, ids := walk(10)
	require.Equal(t, []int64{30, 37, 44, 51}, totals, "total_num drifts per page")
	require.Len(t, ids, 30)

	s.SetFaults(Faults{DuplicateRows: 2})
	_, ids = walk(10)
	require.Len(t, ids, 36, "two rows repeat on each later page")
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	require.Len(t, seen, 30, "no row lost")

	s.SetFaults(Faults{MaxLimit: 100})
	resp := get(t, s, clock, containersPath, "limit=200")
	require.Equal(t, 400, resp.status)
	require.Contains(t, string(resp.body), "HSS.0001")
	require.Equal(t, 200, get(t, s, clock, containersPath, "limit=100").status)

	s.ClearFaults()
	require.Equal(t, 200, get(t, s, clock, containersPath, "limit=200").status)
}

func TestAddFaultAtRuntime(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	require.Equal(t, 200, get(t, s, clock, containersPath, "").status)
	s.AddFault(Fault{Kind: FaultStatus, Status: 429, Times: 1})
	require.Equal(t, 429, get(t, s, clock, containersPath, "").status)
	require.Equal(t, 200, get(t, s, clock, containersPath, "").status)
}
