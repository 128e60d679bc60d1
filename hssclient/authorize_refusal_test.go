package hssclient_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

func TestWrongSecretKeyIsTriedOnceAndNeverLeaks(t *testing.T) {
	t.Parallel()
	srv := startFake(t, 50)
	const wrongSK = "wrong-secret-key-value"
	c := fakeClient(t, srv, auth.NewAKSK(hssfake.DemoAccessKey, wrongSK, ""), nil)
	_, err := inventory(t, c)
	require.True(t, transport.Classify(err) == transport.ClassAuth, "err: %v", err)
	require.Equal(t, 1, srv.RequestsFor(hssfake.OpListImageLocal), "no retry on a signature failure")
	require.NotContains(t, err.Error(), wrongSK)
	require.NotContains(t, err.Error(), "Signature=")
}

func TestWrongProjectAndErrorsCarryNoSecret(t *testing.T) {
	t.Parallel()
	srv := startFake(t, 50)
	c, err := hssclient.New(hssclient.Config{
		Region: hssfake.DemoRegion, ProjectID: "ffffffffffffffffffffffffffffffff", Endpoint: srv.URL, Auth: demoAKSK(),
	})
	require.NoError(t, err)
	_, err = c.ListImageLocal(context.Background(), hssclient.ListImagesRequest{})
	require.True(t, transport.Classify(err) == transport.ClassAuth, "403 is a permission failure: %v", err)
	require.False(t, strings.Contains(err.Error(), hssfake.DemoSecretKey))
}

func TestAuthFailuresAreTriedOnceAndSayWhatToFix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		project string
		auth    func(srv *hssfake.Server) auth.Authenticator
		secret  string
		want    []string
		op      string
	}{
		{"wrong secret key", hssfake.DemoProjectID, func(*hssfake.Server) auth.Authenticator {
			return auth.NewAKSK(hssfake.DemoAccessKey, "not-the-secret-key-0001", "")
		}, "not-the-secret-key-0001", []string{"HTTP 401", "access_key and secret_key", "HSSD****0001"}, hssfake.OpListImageLocal},
		{"unknown temporary key", hssfake.DemoProjectID, func(*hssfake.Server) auth.Authenticator {
			return auth.NewAKSK("TEMPACCESSKEY00000001", "temp-secret-0001", "temp-security-token-0001")
		}, "temp-security-token-0001", []string{"HTTP 401", "security_token"}, hssfake.OpListImageLocal},
		{"wrong project", "ffffffffffffffffffffffffffffffff", func(*hssfake.Server) auth.Authenticator { return demoAKSK() },
			hssfake.DemoSecretKey, []string{"HTTP 403", `"HSS ReadOnlyAccess"`, "ffffffffffffffffffffffffffffffff"}, hssfake.OpListImageLocal},
		{"wrong IAM password", hssfake.DemoProjectID, func(srv *hssfake.Server) auth.Authenticator {
			return auth.NewIAM(auth.IAMConfig{Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain,
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
				require.True(t, transport.Classify(err) == transport.ClassAuth, "err: %v", err)
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
