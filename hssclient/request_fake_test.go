package hssclient_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// Retries and their limits against the stand-in server's faults.

func TestTransientFaultsAreRetried(t *testing.T) {
	t.Parallel()
	cases := map[string]hssfake.Fault{
		"429 without Retry-After": {Kind: hssfake.FaultStatus, Status: 429, Times: 3},
		"429 with Retry-After":    {Kind: hssfake.FaultStatus, Status: 429, RetryAfter: "0", Times: 2},
		"500 storm":               {Kind: hssfake.FaultStatus, Status: 500, Times: 3},
		"503":                     {Kind: hssfake.FaultStatus, Status: 503, Times: 2},
		"connection reset":        {Kind: hssfake.FaultReset, Times: 2},
		"truncated body":          {Kind: hssfake.FaultTruncatedBody, Times: 2},
		"hang":                    {Kind: hssfake.FaultHang, Times: 1},
	}
	for name, fault := range cases {
		t.Run(name, func(t *testing.T) {
			srv := startFake(t, 100)
			srv.AddFault(fault)
			c := fakeClient(t, srv, demoAKSK(), func(c *hssclient.Config) { c.RequestTimeout = 300 * time.Millisecond })
			got, err := inventory(t, c)
			require.NoError(t, err)
			require.Equal(t, srv.Fleet().Truth(hssfake.AllEnterpriseProjects).Images, got)
		})
	}
}

func TestPermanentFaultsFailClearly(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		fault hssfake.Fault
		want  string
	}{
		"malformed json": {hssfake.Fault{Kind: hssfake.FaultMalformedJSON}, "malformed response"},
		"cut json":       {hssfake.Fault{Kind: hssfake.FaultCutJSON}, "malformed response"},
		"500 forever":    {hssfake.Fault{Kind: hssfake.FaultStatus, Status: 500}, "HTTP 500"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := startFake(t, 50)
			srv.AddFault(tc.fault)
			_, err := inventory(t, fakeClient(t, srv, demoAKSK(), nil))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestSustainedFaultsStayWithinDeadlineAndRate runs each lasting fault
// against the client with production backoff, the default rate limit of 5
// requests per second and a generous retry budget: the call must end by its
// deadline, never exceed the rate, and the observer must say why.
func TestSustainedFaultsStayWithinDeadlineAndRate(t *testing.T) {
	t.Parallel()
	const (
		rps      = 5
		deadline = 1500 * time.Millisecond
	)
	cases := []struct {
		name       string
		fault      hssfake.Fault
		class      transport.Class
		reason     string // expected retry reason; "" = none
		maxAttempt int
	}{
		{"429 without Retry-After", hssfake.Fault{Kind: hssfake.FaultStatus, Status: 429}, transport.ClassThrottled, "throttled", 3},
		{"429 with Retry-After beyond the deadline", hssfake.Fault{Kind: hssfake.FaultStatus, Status: 429, RetryAfter: "5"}, transport.ClassThrottled, "", 1},
		{"429 with Retry-After 1s", hssfake.Fault{Kind: hssfake.FaultStatus, Status: 429, RetryAfter: "1"}, transport.ClassThrottled, "throttled", 2},
		{"500 storm", hssfake.Fault{Kind: hssfake.FaultStatus, Status: 500}, transport.ClassServer, "server_error", 5},
		{"503 storm", hssfake.Fault{Kind: hssfake.FaultStatus, Status: 503}, transport.ClassServer, "server_error", 5},
		{"connection resets", hssfake.Fault{Kind: hssfake.FaultReset}, transport.ClassNetwork, "network", 5},
		{"truncated bodies", hssfake.Fault{Kind: hssfake.FaultTruncatedBody}, transport.ClassNetwork, "network", 5},
		{"slow bodies", hssfake.Fault{Kind: hssfake.FaultSlowBody, Delay: time.Minute}, transport.ClassNetwork, "network", 4},
		{"slow answers", hssfake.Fault{Kind: hssfake.FaultLatency, Delay: time.Minute}, transport.ClassNetwork, "network", 4},
		{"never answers", hssfake.Fault{Kind: hssfake.FaultHang}, transport.ClassNetwork, "network", 4},
	}
	// The cases mostly wait, so they run at once rather than under
	// t.Parallel, which a two-CPU runner would cap at two.
	type run struct {
		srv     *hssfake.Server
		log     *callLog
		err     error
		elapsed time.Duration
	}
	runs := make([]run, len(cases))
	var wg sync.WaitGroup
	for i, tc := range cases {
		srv := startFake(t, 20)
		srv.AddFault(tc.fault)
		runs[i] = run{srv: srv, log: newCallLog()}
		c, err := hssclient.New(hssclient.Config{
			Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID, Endpoint: srv.URL, Auth: demoAKSK(),
			RequestsPerSecond: rps, MaxRetries: 100, RequestTimeout: 250 * time.Millisecond, Observer: runs[i].log,
		})
		require.NoError(t, err)
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			runs[i].err = c.EachImage(ctx, hssclient.ListImagesRequest{}, func(hssclient.LocalImage) error { return nil })
			runs[i].elapsed = time.Since(start)
		})
	}
	wg.Wait()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, log, err, elapsed := runs[i].srv, runs[i].log, runs[i].err, runs[i].elapsed
			require.Error(t, err)
			require.Equal(t, tc.class, transport.Classify(err), "err: %v", err)
			require.Less(t, elapsed, deadline+time.Second, "the call ends by its deadline")
			// The server counts an attempt once its handler returns, which for
			// a dropped connection is a moment after the client moved on.
			require.Eventually(t, func() bool { return srv.InFlight() == 0 }, 5*time.Second, time.Millisecond)
			attempts := srv.RequestsFor(hssfake.OpListImageLocal)
			require.GreaterOrEqual(t, attempts, 1)
			require.LessOrEqual(t, attempts, tc.maxAttempt, "backoff, not a hot loop")
			// The token bucket allows a burst of rps, then rps per second.
			require.LessOrEqual(t, float64(attempts), rps+rps*elapsed.Seconds(), "under the configured rate")
			codes, retries := log.snapshot()
			if tc.reason != "" {
				require.Equal(t, attempts-1, retries[tc.reason], "every retry is counted with its reason: %v", retries)
			}
			if tc.class == transport.ClassNetwork {
				require.Equal(t, attempts, codes[0]+codes[200], "network failures are reported as code 0 (or a 200 cut short)")
			} else {
				require.Equal(t, attempts, codes[tc.fault.Status])
			}
			t.Logf("%s: %d attempts in %v", tc.name, attempts, elapsed.Round(time.Millisecond))
		})
	}
}
