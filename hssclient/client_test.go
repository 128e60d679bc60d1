package hssclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tokenAuth is a test Authenticator holding a token that can be refreshed.
type tokenAuth struct {
	mu          sync.Mutex
	token       string
	refreshable bool
	invalidated int
}

func (a *tokenAuth) Authorize(_ context.Context, req *http.Request, _ []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	req.Header.Set("X-Auth-Token", a.token)
	return nil
}

func (a *tokenAuth) Invalidate() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.invalidated++
	a.token = "fresh-token"
	return a.refreshable
}

// recorder is a test Observer.
type recorder struct {
	mu      sync.Mutex
	codes   []int
	retries []string
}

func (r *recorder) RequestDone(_ string, code int, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.codes = append(r.codes, code)
}

func (r *recorder) Retry(_, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retries = append(r.retries, reason)
}

func (r *recorder) snapshot() ([]int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.codes...), append([]string(nil), r.retries...)
}

// newTestClient serves handler on loopback and returns a client for it with
// instant backoff, so retry tests run in milliseconds.
func newTestClient(t *testing.T, handler http.HandlerFunc, tweak func(*Config)) (*Client, *recorder) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	rec := &recorder{}
	cfg := Config{
		Region: "cn-north-4", ProjectID: "p1", Endpoint: srv.URL,
		Auth: &tokenAuth{token: "tok"}, Observer: rec,
		RetryBaseDelay: time.Millisecond, ThrottleBaseDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := New(cfg)
	require.NoError(t, err)
	return c, rec
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func TestRequestCarriesQueryHeadersAndUserAgent(t *testing.T) {
	var got *http.Request
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		writeJSON(w, 200, map[string]any{"total_num": 1, "data_list": []map[string]string{{"container_id": "c1"}}})
	}, func(cfg *Config) { cfg.UserAgent = "hss_exporter/1.2.3" })
	page, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{
		ImageName: "team a/app", ImageVersion: "1.0", EnterpriseProjectID: "all_granted_eps", Limit: 200,
	})
	require.NoError(t, err)
	require.Equal(t, int64(1), page.TotalNum)
	require.Equal(t, "/v5/p1/image/local/containers", got.URL.Path)
	require.Equal(t, "enterprise_project_id=all_granted_eps&image_name=team%20a%2Fapp&image_version=1.0&limit=200&offset=0", got.URL.RawQuery)
	require.Equal(t, "cn-north-4", got.Header.Get("region"))
	require.Equal(t, "p1", got.Header.Get("X-Project-Id"))
	require.Equal(t, "hss_exporter/1.2.3", got.Header.Get("User-Agent"))
	require.Equal(t, "tok", got.Header.Get("X-Auth-Token"))
}

func TestImageQueryLeavesUnsetFiltersOut(t *testing.T) {
	var query string
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.RawQuery
		writeJSON(w, 200, map[string]any{"total_num": 0, "data_list": []any{}})
	}, nil)
	yes := true
	_, err := c.ListImageLocal(context.Background(), ListImagesRequest{HasContainer: &yes, Limit: 50})
	require.NoError(t, err)
	require.Equal(t, "has_container=true&limit=50&offset=0", query)
}

func TestRetryClasses(t *testing.T) {
	cases := []struct {
		name       string
		failures   []int // statuses answered before a 200; 0 = connection reset
		wantErr    bool
		wantCalls  int
		wantReason string
	}{
		{"429 then ok", []int{429, 429}, false, 3, "throttled"},
		{"500 storm then ok", []int{500, 502, 503}, false, 4, "server_error"},
		{"reset then ok", []int{0}, false, 2, "network"},
		{"500 beyond the retry budget", []int{500, 500, 500, 500, 500, 500}, true, 5, "server_error"},
		{"400 is final", []int{400}, true, 1, ""},
		{"403 is final", []int{403}, true, 1, ""},
		{"404 is final", []int{404}, true, 1, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				if n < len(tc.failures) {
					if tc.failures[n] == 0 {
						conn, _, _ := w.(http.Hijacker).Hijack()
						_ = conn.Close()
						return
					}
					writeJSON(w, tc.failures[n], map[string]string{"error_code": "X.1", "error_msg": "nope"})
					return
				}
				writeJSON(w, 200, map[string]any{"total_num": 0, "data_list": []any{}})
			}, nil)
			_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
			require.Equal(t, tc.wantErr, err != nil, "err: %v", err)
			require.Equal(t, tc.wantCalls, int(calls.Load()))
			_, retries := rec.snapshot()
			require.Len(t, retries, tc.wantCalls-1)
			for _, r := range retries {
				require.Equal(t, tc.wantReason, r)
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var calls atomic.Int32
	var slept []time.Duration
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "3")
			writeJSON(w, 429, map[string]string{"error_code": "APIG.0308", "error_msg": "over ratelimit, limit:5, time:1 second"})
			return
		}
		writeJSON(w, 200, map[string]any{"total_num": 0, "data_list": []any{}})
	}, func(cfg *Config) { cfg.MaxRetryDelay = time.Minute })
	c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
	require.NoError(t, err)
	require.Equal(t, []time.Duration{3 * time.Second}, slept)
}

func TestRetryStopsWhenTheWaitWouldOutliveTheContext(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "60")
		writeJSON(w, 429, map[string]string{"error_code": "APIG.0308"})
	}, func(cfg *Config) { cfg.MaxRetryDelay = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.ListLocalImageContainers(ctx, ListContainersRequest{})
	require.True(t, IsThrottled(err), "err: %v", err)
	require.Less(t, time.Since(start), time.Second)
	require.Equal(t, int32(1), calls.Load())
}

func TestUnauthorizedRefreshesOnceThenGivesUp(t *testing.T) {
	var calls atomic.Int32
	auth := &tokenAuth{token: "old", refreshable: true}
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 401, map[string]string{"error_code": "APIG.0301", "error_msg": "Incorrect token " + r.Header.Get("X-Auth-Token")})
	}, func(cfg *Config) { cfg.Auth = auth })
	_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
	require.True(t, IsAuth(err))
	require.Equal(t, int32(2), calls.Load(), "one refresh, then the 401 is final")
	require.Equal(t, 1, auth.invalidated)
	require.NotContains(t, err.Error(), "fresh-token", "a token echoed by the server is redacted")
	_, retries := rec.snapshot()
	require.Equal(t, []string{"auth_refresh"}, retries)
}

func TestUnauthorizedWithStaticKeysIsFinal(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 401, map[string]string{"error_code": "APIG.0301"})
	}, nil)
	_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
	require.True(t, IsAuth(err))
	require.Equal(t, int32(1), calls.Load())
}

func TestAPIErrorCarriesCodeAndRequestID(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-123")
		writeJSON(w, 400, map[string]string{"error_code": "HSS.0001", "error_msg": "invalid\nparameter"})
	}, nil)
	_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 400, apiErr.StatusCode)
	require.Equal(t, "HSS.0001", apiErr.Code)
	require.Equal(t, "req-123", apiErr.RequestID)
	require.Equal(t, "ListLocalImageContainers: HTTP 400 HSS.0001: invalid parameter (request_id req-123)", err.Error())
	require.True(t, IsBadRequest(err))
}

func TestMalformedAndOversizedBodies(t *testing.T) {
	cases := map[string]string{
		"invalid json":        `{"total_num": 1, "data_list": [`,
		"total_num as a word": `{"total_num": "twelve", "data_list": []}`,
		"count beyond int64":  `{"total_num": 99999999999999999999, "data_list": []}`,
		"oversized":           `{"total_num": 1, "data_list": [{"container_id": "` + string(make([]byte, 2048)) + `"}]}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				_, _ = fmt.Fprint(w, body)
			}, func(cfg *Config) { cfg.MaxBodyBytes = 1024; cfg.MaxRetries = -1 })
			_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
			require.Error(t, err)
		})
	}
}

func TestConcurrencyCap(t *testing.T) {
	var inFlight, peak atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		writeJSON(w, 200, map[string]any{"total_num": 0, "data_list": []any{}})
	}, func(cfg *Config) { cfg.MaxConcurrency = 3 })
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
			require.NoError(t, err)
		})
	}
	wg.Wait()
	require.Equal(t, int32(3), peak.Load())
}

func TestRateLimit(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"total_num": 0, "data_list": []any{}})
	}, func(cfg *Config) { cfg.RequestsPerSecond = 20; cfg.Burst = 1 })
	start := time.Now()
	for range 11 {
		_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
		require.NoError(t, err)
	}
	// 11 requests at 20/s with a burst of 1 need at least 10 intervals of 50ms.
	require.GreaterOrEqual(t, time.Since(start), 450*time.Millisecond)
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no region":    {ProjectID: "p", Auth: &tokenAuth{}},
		"no project":   {Region: "r", Auth: &tokenAuth{}},
		"no auth":      {Region: "r", ProjectID: "p"},
		"bad endpoint": {Region: "r", ProjectID: "p", Auth: &tokenAuth{}, Endpoint: "hss.example.com"},
	} {
		_, err := New(cfg)
		require.Error(t, err, name)
	}
}
