package hssclient_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

func TestEveryAuthModeListsTheWholeFleet(t *testing.T) {
	t.Parallel()
	srv := startFake(t, 600)
	truth := srv.Fleet().Truth(hssfake.AllEnterpriseProjects).Images
	auths := map[string]auth.Authenticator{
		"aksk": demoAKSK(),
		"iam": auth.NewIAM(auth.IAMConfig{
			Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain, Username: hssfake.DemoIAMUser,
			Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID,
		}),
		"metadata": auth.NewMetadata(auth.MetadataConfig{Endpoint: srv.URL}),
	}
	for name, authn := range auths {
		t.Run(name, func(t *testing.T) {
			got, err := inventory(t, fakeClient(t, srv, authn, func(c *hssclient.Config) { c.PageSize = 50 }))
			require.NoError(t, err)
			require.Equal(t, truth, got)
		})
	}
	require.Empty(t, srv.AuthFailures())
}

func TestExpiredTokenIsRefreshedOnce(t *testing.T) {
	t.Parallel()
	srv := startFake(t, 100)
	c := fakeClient(t, srv, auth.NewIAM(auth.IAMConfig{
		Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain, Username: hssfake.DemoIAMUser,
		Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID,
	}), nil)
	_, err := inventory(t, c)
	require.NoError(t, err)
	srv.ExpireTokens()
	got, err := inventory(t, c)
	require.NoError(t, err)
	require.Equal(t, srv.Fleet().Truth(hssfake.AllEnterpriseProjects).Images, got)
	require.Equal(t, 2, srv.RequestsFor(hssfake.OpCreateToken))
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
	t.Parallel()
	cases := []struct {
		name   string
		authn  func(srv *hssfake.Server) auth.Authenticator
		expire func(srv *hssfake.Server)
		op     string
	}{
		{"IAM token", func(srv *hssfake.Server) auth.Authenticator {
			return auth.NewIAM(auth.IAMConfig{Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain,
				Username: hssfake.DemoIAMUser, Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID})
		}, (*hssfake.Server).ExpireTokens, hssfake.OpCreateToken},
		{"metadata credentials", func(srv *hssfake.Server) auth.Authenticator {
			return auth.NewMetadata(auth.MetadataConfig{Endpoint: srv.URL})
		}, (*hssfake.Server).ExpireTemporaryCredentials, hssfake.OpMetadataSecurityKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startFake(t, 400)
			img, n := biggestImage(srv)
			require.Greater(t, n, 30)
			log := newCallLog()
			c := fakeClient(t, srv, tc.authn(srv), func(cfg *hssclient.Config) { cfg.PageSize = 10; cfg.Observer = log })
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
