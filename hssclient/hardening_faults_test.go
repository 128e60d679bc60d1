package hssclient_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/hssfake"
)

// callLog is an Observer that keeps every attempt and retry.
type callLog struct {
	mu      sync.Mutex
	codes   map[int]int
	retries map[string]int
}

func newCallLog() *callLog { return &callLog{codes: map[int]int{}, retries: map[string]int{}} }

func (l *callLog) RequestDone(_ string, code int, _ time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.codes[code]++
}

func (l *callLog) Retry(_, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.retries[reason]++
}

func (l *callLog) snapshot() (map[int]int, map[string]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	codes, retries := map[int]int{}, map[string]int{}
	for k, v := range l.codes {
		codes[k] = v
	}
	for k, v := range l.retries {
		retries[k] = v
	}
	return codes, retries
}

// TestSustainedFaultsStayWithinDeadlineAndRate runs each lasting fault
// against the client with production backoff, the default rate limit of 5
// requests per second and a generous retry budget: the call must end by its
// deadline, never exceed the rate, and the observer must say why.
func TestSustainedFaultsStayWithinDeadlineAndRate(t *testing.T) {
	const (
		rps      = 5
		deadline = 1500 * time.Millisecond
	)
	cases := []struct {
		name       string
		fault      hssfake.Fault
		class      hssclient.Class
		reason     string // expected retry reason; "" = none
		maxAttempt int
	}{
		{"429 without Retry-After", hssfake.Fault{Kind: hssfake.FaultStatus, Status: 429}, hssclient.ClassThrottled, "throttled", 3},
		{"429 with Retry-After beyond the deadline", hssfake.Fault{Kind: hssfake.FaultStatus, Status: 429, RetryAfter: "5"}, hssclient.ClassThrottled, "", 1},
		{"429 with Retry-After 1s", hssfake.Fault{Kind: hssfake.FaultStatus, Status: 429, RetryAfter: "1"}, hssclient.ClassThrottled, "throttled", 2},
		{"500 storm", hssfake.Fault{Kind: hssfake.FaultStatus, Status: 500}, hssclient.ClassServer, "server_error", 5},
		{"503 storm", hssfake.Fault{Kind: hssfake.FaultStatus, Status: 503}, hssclient.ClassServer, "server_error", 5},
		{"connection resets", hssfake.Fault{Kind: hssfake.FaultReset}, hssclient.ClassNetwork, "network", 5},
		{"truncated bodies", hssfake.Fault{Kind: hssfake.FaultTruncatedBody}, hssclient.ClassNetwork, "network", 5},
		{"slow bodies", hssfake.Fault{Kind: hssfake.FaultSlowBody, Delay: time.Minute}, hssclient.ClassNetwork, "network", 4},
		{"slow answers", hssfake.Fault{Kind: hssfake.FaultLatency, Delay: time.Minute}, hssclient.ClassNetwork, "network", 4},
		{"never answers", hssfake.Fault{Kind: hssfake.FaultHang}, hssclient.ClassNetwork, "network", 4},
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
			require.Equal(t, tc.class, hssclient.Classify(err), "err: %v", err)
			require.Less(t, elapsed, deadline+300*time.Millisecond, "the call ends by its deadline")
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
			if tc.class == hssclient.ClassNetwork {
				require.Equal(t, attempts, codes[0]+codes[200], "network failures are reported as code 0 (or a 200 cut short)")
			} else {
				require.Equal(t, attempts, codes[tc.fault.Status])
			}
			t.Logf("%s: %d attempts in %v", tc.name, attempts, elapsed.Round(time.Millisecond))
		})
	}
}

func TestAuthFailuresAreTriedOnceAndSayWhatToFix(t *testing.T) {
	cases := []struct {
		name    string
		project string
		auth    func(srv *hssfake.Server) hssclient.Authenticator
		secret  string
		want    []string
		op      string
	}{
		{"wrong secret key", hssfake.DemoProjectID, func(*hssfake.Server) hssclient.Authenticator {
			return hssclient.NewAKSKAuth(hssfake.DemoAccessKey, "not-the-secret-key-0001", "")
		}, "not-the-secret-key-0001", []string{"HTTP 401", "access_key and secret_key", "HSSD****0001"}, hssfake.OpListImageLocal},
		{"unknown temporary key", hssfake.DemoProjectID, func(*hssfake.Server) hssclient.Authenticator {
			return hssclient.NewAKSKAuth("TEMPACCESSKEY00000001", "temp-secret-0001", "temp-security-token-0001")
		}, "temp-security-token-0001", []string{"HTTP 401", "security_token"}, hssfake.OpListImageLocal},
		{"wrong project", "ffffffffffffffffffffffffffffffff", func(*hssfake.Server) hssclient.Authenticator { return demoAKSK() },
			hssfake.DemoSecretKey, []string{"HTTP 403", `"HSS ReadOnlyAccess"`, "ffffffffffffffffffffffffffffffff"}, hssfake.OpListImageLocal},
		{"wrong IAM password", hssfake.DemoProjectID, func(srv *hssfake.Server) hssclient.Authenticator {
			return hssclient.NewIAMAuth(hssclient.IAMConfig{Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain,
				Username: hssfake.DemoIAMUser, Password: "wrong-password-0001", ProjectID: hssfake.DemoProjectID})
		}, "wrong-password-0001", []string{"HTTP 401", "username and password"}, hssfake.OpCreateToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startFake(t, 20)
			c := fakeClient(t, srv, tc.auth(srv), func(cfg *hssclient.Config) { cfg.ProjectID = tc.project })
			for range 3 { // three refreshes in a row: one attempt each, or none
				_, err := inventory(t, c)
				require.Error(t, err)
				require.True(t, hssclient.IsAuth(err), "err: %v", err)
				for _, want := range tc.want {
					require.ErrorContains(t, err, want)
				}
				require.NotContains(t, err.Error(), tc.secret)
			}
			require.LessOrEqual(t, srv.RequestsFor(tc.op), 3, "never more than one attempt per refresh")
			if tc.op == hssfake.OpCreateToken {
				require.Equal(t, 1, srv.RequestsFor(tc.op), "a refused password is not tried again during the cooldown")
				require.Zero(t, srv.RequestsFor(hssfake.OpListImageLocal))
			}
			require.Less(t, len(srv.AuthFailures()), 5, "far from the five failures that lock a key")
		})
	}
}

// biggestImage returns the fleet's image with the most containers.
func biggestImage(srv *hssfake.Server) (hssfake.ImageKey, int) {
	var best hssfake.ImageKey
	n := -1
	for k, v := range srv.Fleet().Truth(hssfake.AllEnterpriseProjects).Images {
		if v > n || (v == n && fmt.Sprint(k) < fmt.Sprint(best)) {
			best, n = k, v
		}
	}
	return best, n
}

func TestCredentialsExpiringMidListing(t *testing.T) {
	cases := []struct {
		name   string
		auth   func(srv *hssfake.Server) hssclient.Authenticator
		expire func(srv *hssfake.Server)
		op     string
	}{
		{"IAM token", func(srv *hssfake.Server) hssclient.Authenticator {
			return hssclient.NewIAMAuth(hssclient.IAMConfig{Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain,
				Username: hssfake.DemoIAMUser, Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID})
		}, (*hssfake.Server).ExpireTokens, hssfake.OpCreateToken},
		{"metadata credentials", func(srv *hssfake.Server) hssclient.Authenticator {
			return hssclient.NewMetadataAuth(hssclient.MetadataConfig{Endpoint: srv.URL})
		}, (*hssfake.Server).ExpireTemporaryCredentials, hssfake.OpMetadataSecurityKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startFake(t, 400)
			img, n := biggestImage(srv)
			require.Greater(t, n, 30)
			log := newCallLog()
			c := fakeClient(t, srv, tc.auth(srv), func(cfg *hssclient.Config) { cfg.PageSize = 10; cfg.Observer = log })
			rows := 0
			err := c.EachContainer(context.Background(), hssclient.ListContainersRequest{
				EnterpriseProjectID: hssfake.AllEnterpriseProjects, ImageName: img.Name, ImageVersion: img.Version,
			}, func(hssclient.Container) error {
				rows++
				if rows == 15 { // mid-listing, between two pages
					tc.expire(srv)
				}
				return nil
			})
			require.NoError(t, err)
			require.Equal(t, n, rows, "every container listed, none twice")
			require.Equal(t, 2, srv.RequestsFor(tc.op), "fetched once, then once more after expiry")
			_, retries := log.snapshot()
			require.Equal(t, 1, retries["auth_refresh"])
		})
	}
}

func TestRevokedTokenIsRefreshedOnceThenBacksOff(t *testing.T) {
	srv := startFake(t, 20)
	// The gateway refuses every token, fresh ones included (revoked user).
	srv.AddFault(hssfake.Fault{Operation: hssfake.OpListImageLocal, Kind: hssfake.FaultStatus, Status: 401})
	c := fakeClient(t, srv, hssclient.NewIAMAuth(hssclient.IAMConfig{Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain,
		Username: hssfake.DemoIAMUser, Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID}), nil)
	for range 3 {
		_, err := inventory(t, c)
		require.True(t, hssclient.IsAuth(err), "err: %v", err)
		require.True(t, hssclient.IsCredentialError(err), "err: %v", err)
		require.ErrorContains(t, err, "check:")
		require.Equal(t, 2, srv.RequestsFor(hssfake.OpListImageLocal), "one retry with a fresh token, then none while backing off")
		require.Equal(t, 2, srv.RequestsFor(hssfake.OpCreateToken))
	}
}
