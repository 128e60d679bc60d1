package hssclient

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/stretchr/testify/require"
)

func TestRetryClasses(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "60")
		writeJSON(w, 429, map[string]string{"error_code": "APIG.0308"})
	}, func(cfg *Config) { cfg.MaxRetryDelay = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.ListLocalImageContainers(ctx, ListContainersRequest{})
	require.True(t, transport.Classify(err) == transport.ClassThrottled, "err: %v", err)
	require.Less(t, time.Since(start), 3*time.Second, "failed at once, not at the deadline")
	require.Equal(t, int32(1), calls.Load())
}

func TestUnauthorizedRefreshesOnceThenGivesUp(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	auth := &tokenAuth{token: "old", refreshable: true}
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 401, map[string]string{"error_code": "APIG.0301", "error_msg": "Incorrect token " + r.Header.Get("X-Auth-Token")})
	}, func(cfg *Config) { cfg.Auth = auth })
	_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
	require.True(t, transport.Classify(err) == transport.ClassAuth)
	require.Equal(t, int32(2), calls.Load(), "one refresh, then the 401 is final")
	require.Equal(t, 1, auth.invalidated)
	require.NotContains(t, err.Error(), "fresh-token", "a token echoed by the server is redacted")
	_, retries := rec.snapshot()
	require.Equal(t, []string{"auth_refresh"}, retries)
}

func TestUnauthorizedWithStaticKeysIsFinal(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 401, map[string]string{"error_code": "APIG.0301"})
	}, nil)
	_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
	require.True(t, transport.Classify(err) == transport.ClassAuth)
	require.Equal(t, int32(1), calls.Load())
}

func TestConcurrencyCap(t *testing.T) {
	// Not parallel: the cap shows only if three calls overlap within the
	// handler's 20 ms, which a test beside it could starve.
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
	t.Parallel()
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"total_num": 0, "data_list": []any{}})
	}, func(cfg *Config) { cfg.RequestsPerSecond = 20 })
	start := time.Now()
	for range 31 {
		_, err := c.ListLocalImageContainers(context.Background(), ListContainersRequest{})
		require.NoError(t, err)
	}
	// 31 requests at 20/s, a burst of 20, need at least 11 intervals of 50ms.
	require.GreaterOrEqual(t, time.Since(start), 500*time.Millisecond)
}
