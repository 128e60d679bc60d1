package hssclient_test

import (
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testclock"
)

// credentialSources are the services that hand out credentials, each
// failing as a test says: the authenticator asking them, and the
// operations of the stand-in counted as its requests.
var credentialSources = map[string]struct {
	auth func(t *testing.T, endpoint string) auth.Authenticator
	ops  []string
}{
	"IAM password token": {func(_ *testing.T, endpoint string) auth.Authenticator {
		return auth.NewIAM(auth.IAMConfig{Endpoint: endpoint, Domain: hssfake.DemoIAMDomain,
			Username: hssfake.DemoIAMUser, Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID})
	}, []string{hssfake.OpCreateToken}},
	"metadata service": {func(_ *testing.T, endpoint string) auth.Authenticator {
		return auth.NewMetadata(auth.MetadataConfig{Endpoint: endpoint})
	}, []string{hssfake.OpMetadataSecurityKey}},
	"OIDC exchange": {func(t *testing.T, endpoint string) auth.Authenticator {
		file := filepath.Join(t.TempDir(), "id_token")
		require.NoError(t, os.WriteFile(file, []byte(hssfake.DemoIDToken+"\n"), 0o600))
		return auth.NewOIDC(auth.OIDCConfig{Endpoint: endpoint, IdpID: hssfake.DemoIdpID, IDTokenFile: file})
	}, []string{hssfake.OpCreateTokenWithIDToken, hssfake.OpCreateTemporaryKeys}},
}

func sourceRequests(srv *hssfake.Server, ops []string) int {
	n := 0
	for _, op := range ops {
		n += srv.RequestsFor(op)
	}
	return n
}

// TestFailingCredentialServiceIsAskedOnceAStepDoubling: IAM, the metadata
// service or the OIDC exchange answering 500 is asked once (no retry
// within the call), then not before the next attempt, 1, 2, 4 ... steps
// later, at most auth.MaxUnavailableBackoff; meanwhile every call of the
// identity, from any client, fails at once saying when. Once the service
// answers again, the next attempt recovers and the backoff ends.
func TestFailingCredentialServiceIsAskedOnceAStepDoubling(t *testing.T) {
	t.Parallel()
	for name, source := range credentialSources {
		t.Run(name, func(t *testing.T) {
			srv := startFake(t, 20)
			for _, op := range source.ops {
				srv.AddFault(hssfake.Fault{Operation: op, Kind: hssfake.FaultStatus, Status: 500})
			}
			clk := testclock.New(time.Now())
			backoff := auth.NewBackoff(backoffStep, auth.BackoffOptions{Now: clk.Now})
			share := func(cfg *hssclient.Config) { cfg.AuthBackoff = backoff }
			c := fakeClient(t, srv, source.auth(t, srv.URL), share)
			other := fakeClient(t, srv, source.auth(t, srv.URL), share) // another target of the identity

			err := listOnce(c)
			next, ok := auth.CredentialsUnavailable(err)
			require.True(t, ok, "err: %v", err)
			require.True(t, auth.IsCredentialError(err))
			require.True(t, transport.Classify(err) == transport.ClassServer, "still says what failed: %v", err)
			require.ErrorContains(t, err, "credentials unavailable; next attempt at "+next.UTC().Format(time.RFC3339))
			require.Equal(t, 1, srv.RequestsFor(source.ops[0]), "asked once, no retry")
			require.Zero(t, srv.RequestsFor(hssfake.OpListImageLocal))

			waits := []time.Duration{9 * time.Second, 19 * time.Second, 39 * time.Second,
				auth.MaxUnavailableBackoff - time.Second, auth.MaxUnavailableBackoff - time.Second}
			for i, wait := range waits {
				require.Equal(t, wait, c.UnavailableUntil().Sub(clk.Now()), "wait %d", i)
				require.Equal(t, c.UnavailableUntil(), other.UnavailableUntil(), "shared by the identity")
				require.Zero(t, c.RefusedUntil(), "not a refusal")
				before := srv.RequestsFor(source.ops[0])
				clk.Advance(wait - time.Second)
				for _, client := range []*hssclient.Client{c, other} {
					_, held := auth.CredentialsUnavailable(listOnce(client))
					require.True(t, held)
				}
				require.Equal(t, before, srv.RequestsFor(source.ops[0]), "nothing asked before the attempt is due")
				clk.Advance(time.Second)
				_, held := auth.CredentialsUnavailable(listOnce(other))
				require.True(t, held)
				require.Equal(t, before+1, srv.RequestsFor(source.ops[0]), "one attempt when due")
			}

			srv.ClearFaults()
			clk.Advance(c.UnavailableUntil().Sub(clk.Now()))
			require.NoError(t, listOnce(c))
			require.Zero(t, c.UnavailableUntil())
			require.NoError(t, listOnce(other))
		})
	}
}

// TestUnreachableIAMBacksOffToo: a refused connection is a failure like
// a 500: one attempt, then nothing until the next is due.
func TestUnreachableIAMBacksOffToo(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	srv := startFake(t, 20)
	clk := testclock.New(time.Now())
	backoff := auth.NewBackoff(backoffStep, auth.BackoffOptions{Now: clk.Now})
	obs := &countingObserver{}
	c := fakeClient(t, srv, auth.NewIAM(auth.IAMConfig{Endpoint: closed, Domain: hssfake.DemoIAMDomain,
		Username: hssfake.DemoIAMUser, Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID, Observer: obs}),
		func(cfg *hssclient.Config) { cfg.AuthBackoff = backoff })
	for range 3 {
		_, held := auth.CredentialsUnavailable(listOnce(c))
		require.True(t, held)
	}
	require.Equal(t, 1, obs.count(auth.OpIAMToken), "one connection attempt")
	require.Equal(t, 9*time.Second, c.UnavailableUntil().Sub(clk.Now()))
}

// countingObserver counts the attempts of each operation.
type countingObserver struct {
	mu sync.Mutex
	n  map[string]int
}

func (o *countingObserver) RequestDone(op string, _ int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n == nil {
		o.n = map[string]int{}
	}
	o.n[op]++
}

func (o *countingObserver) Retry(string, string) {}

func (o *countingObserver) count(op string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[op]
}
